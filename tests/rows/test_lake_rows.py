"""Lake.ingest_rows from plain RowSample data: types from platform_type, rejects with reasons,
idempotency, atomicity, reserved names, lineage, parameterised values."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sourcedoctor.lake import Lake, LakeError, Mapping
from sourcedoctor.lake.rows import RELATION_COLUMN, duckdb_type
from sourcedoctor.sources.rows import Column, RowSample

COLUMNS = (
    Column("id", "integer", "integer", False),
    Column("name", "text", "string"),
    Column("price", "numeric(10,2)", "number"),
    Column("ratio", "double precision", "number"),
    Column("ok", "boolean", "boolean"),
    Column("day", "date", "date"),
    Column("at", "timestamp with time zone", "date-time"),
    Column("doc", "jsonb", "object"),
    Column("tags", "text[]", "array"),
    Column("raw", "bytea", None, note="binary data has no platform type"),
)
AT = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def good_row(i: int) -> tuple[object, ...]:
    return (i, f"n{i}", Decimal("12.50"), 0.25, True, date(2024, 5, 1), AT,
            '{"k": 1}', ["a", "b"], b"\x00\xff")


def sample(rows: list[tuple[object, ...]], relation: str = "public.orders") -> RowSample:
    return RowSample(relation, COLUMNS, tuple(rows), more=False)


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake.duckdb")


def table(lake: Lake, sql: str) -> list[tuple[object, ...]]:
    with lake.connect(read_only=True) as con:
        return con.execute(sql).fetchall()


def test_types_follow_platform_type(lake: Lake) -> None:
    result = lake.ingest_rows(sample([good_row(1), good_row(2)]), "orders", source="postgresql")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (2, 2, 0)
    types = dict(table(lake, "SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'orders'"))
    assert types == {"id": "BIGINT", "name": "VARCHAR", "price": "DECIMAL(10,2)",
                     "ratio": "DOUBLE", "ok": "BOOLEAN", "day": "DATE",
                     "at": "TIMESTAMP WITH TIME ZONE", "doc": "JSON", "tags": "JSON",
                     "raw": "VARCHAR", "_sd_batch": "INTEGER", RELATION_COLUMN: "VARCHAR"}
    row = table(lake, "SELECT id, name, price, ratio, ok, day, \"at\", doc, tags, raw, _sd_batch, "
                      "_sd_relation FROM orders ORDER BY id")[0]
    assert row[:7] == (1, "n1", Decimal("12.50"), 0.25, True, date(2024, 5, 1), AT)
    assert json.loads(str(row[7])) == {"k": 1} and json.loads(str(row[8])) == ["a", "b"]
    assert row[9] == "\\x00ff"
    assert row[10:] == (result.batch_id, "public.orders")
    note = result.files[0]["notes"]
    assert any("raw (bytea) has no platform type: stored as text" in n for n in note)


def test_misfits_go_to_rejects_with_reasons(lake: Lake) -> None:
    bad_int = (*good_row(2)[:0], "two", *good_row(2)[1:])
    huge = (2**70, *good_row(3)[1:])
    lossy = (*good_row(4)[:3], Decimal("0.1000000000000000000001"), *good_row(4)[4:])
    scale = (*good_row(5)[:2], Decimal("1.234"), *good_row(5)[3:])
    not_obj = (*good_row(6)[:7], "[1, 2]", *good_row(6)[8:])
    ragged = (7, "short")
    result = lake.ingest_rows(sample([good_row(1), bad_int, huge, lossy, scale, not_obj, ragged]),
                              "orders")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (7, 1, 6)
    rejects = {r["record"]: r for r in lake.rejects(result.batch_id)}
    assert {k: v["reason"] for k, v in rejects.items()} == {
        2: "type_mismatch", 3: "out_of_range", 4: "precision_lost", 5: "precision_lost",
        6: "type_mismatch", 7: "ragged_row"}
    assert rejects[2]["detail"] == "id: a str in an integer column"
    assert rejects[2]["file"] == "public.orders" and rejects[2]["line"] is None
    assert json.loads(rejects[2]["raw"])["id"] == "two"
    assert "ratio: 0.1000000000000000000001 cannot be stored as a DOUBLE" in rejects[4]["detail"]
    assert rejects[6]["detail"] == "doc: a list where a JSON object was expected"


def test_same_rows_again_add_nothing_unless_forced(lake: Lake) -> None:
    first = lake.ingest_rows(sample([good_row(1), good_row(2)]), "orders")
    again = lake.ingest_rows(sample([good_row(1), good_row(2)]), "orders")
    assert again.skipped_duplicate and again.duplicate_of == first.batch_id
    assert again.rows_ingested == 0
    assert table(lake, "SELECT count(*) FROM orders") == [(2,)]
    changed = lake.ingest_rows(sample([good_row(1), good_row(3)]), "orders")
    assert not changed.skipped_duplicate and changed.rows_ingested == 2
    forced = lake.ingest_rows(sample([good_row(1), good_row(2)]), "orders", force=True)
    assert forced.rows_ingested == 2
    assert table(lake, "SELECT count(*) FROM orders") == [(6,)]
    assert [b["status"] for b in lake.batches("orders")] == ["ok", "duplicate", "ok", "ok"]


def test_rows_cap_takes_the_first_rows(lake: Lake) -> None:
    result = lake.ingest_rows(sample([good_row(i) for i in range(10)]), "orders", rows=3)
    assert result.rows_read == 3
    assert table(lake, "SELECT id FROM orders ORDER BY id") == [(0,), (1,), (2,)]
    assert result.files[0]["complete"] is False


def test_hostile_values_are_data_not_sql(lake: Lake) -> None:
    evil = "x'); DROP TABLE batches; --"
    cols = (Column("a'b\"c; DROP", "text", "string"),)
    rows = ((evil,), ("\x00\x1b[31m\u202e",), (None,))
    result = lake.ingest_rows(RowSample('we"ird; rel', cols, rows), "hostile")
    assert result.rows_ingested == 3
    assert table(lake, "SELECT a_b_c_drop FROM hostile ORDER BY a_b_c_drop NULLS LAST") == [
        ("\x00\x1b[31m\u202e",), (evil,), (None,)]
    assert table(lake, "SELECT count(*) FROM batches") == [(1,)]


def test_reserved_dataset_refused_before_anything(lake: Lake) -> None:
    with pytest.raises(LakeError) as exc:
        lake.ingest_rows(sample([good_row(1)]), "rejects")
    assert exc.value.field == "dataset"
    assert not lake.path.exists()


def test_failed_batch_stores_nothing(lake: Lake) -> None:
    lake.ingest_rows(sample([good_row(1)]), "orders")
    # The dataset's id column is BIGINT; a second relation whose id is text cannot be cast into
    # it: DuckDB refuses, and neither rows nor rejects nor a batch row of that batch remain.
    other = RowSample("public.other", (Column("id", "text", "string"),), (("abc",),))
    with pytest.raises(LakeError, match="nothing was stored"):
        lake.ingest_rows(other, "orders")
    assert table(lake, "SELECT count(*) FROM orders") == [(1,)]
    assert table(lake, "SELECT count(*) FROM batches") == [(1,)]


def test_mapping_not_supported_is_said(lake: Lake) -> None:
    with pytest.raises(LakeError) as exc:
        lake.ingest_rows(sample([good_row(1)]), "orders", mapping=Mapping(drop=("id",)))
    assert exc.value.field == "map"


def test_naive_timestamps_are_utc_and_said(lake: Lake) -> None:
    cols = (Column("at", "timestamp without time zone", "date-time"),)
    result = lake.ingest_rows(RowSample("t", cols, ((datetime(2024, 1, 2, 3, 4),),)), "ts")
    assert table(lake, "SELECT \"at\" FROM ts")[0][0] == datetime(2024, 1, 2, 3, 4, tzinfo=UTC)
    assert any("without a time zone: stored as UTC" in n for n in result.files[0]["notes"])


@pytest.mark.parametrize(("declared", "platform", "expected"), [
    ("numeric(12,3)", "number", "DECIMAL(12,3)"),
    ("decimal(10)", "number", "DECIMAL(10,0)"),
    ("numeric", "number", "DOUBLE"),
    ("numeric(60,2)", "number", "DOUBLE"),
    ("float8", "number", "DOUBLE"),
    ("interval", None, "VARCHAR"),
])
def test_duckdb_type(declared: str, platform: str | None, expected: str) -> None:
    assert duckdb_type(Column("c", declared, platform)) == expected
