"""The Lake through its Python API, on real DuckDB files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from sourcedoctor.lake import Lake, LakeError, load_mapping, mapping_from_dict, normalise_name
from sourcedoctor.lake.schema import BATCH_COLUMN

from .data import bad_jsonl, cast_csv, good_csv, ragged_csv


def _count(lake_file: Path, sql: str) -> int:
    con = duckdb.connect(str(lake_file), read_only=True)
    try:
        row = con.execute(sql).fetchone()
        assert row is not None
        return int(row[0])
    finally:
        con.close()


def test_local_csv_lands_with_batch_row(tmp_path: Path, lake_path: Path) -> None:
    src = good_csv(tmp_path / "customers.csv", 50)
    result = Lake(lake_path).ingest(src, "Customers 2024")
    assert (result.dataset, result.rows_read, result.rows_ingested, result.rows_rejected) == (
        "customers_2024",
        50,
        50,
        0,
    )
    assert _count(lake_path, "SELECT count(*) FROM customers_2024") == 50
    batch = Lake(lake_path).batches()[0]
    assert batch["status"] == "ok" and batch["files"][0]["length"] == src.stat().st_size


def test_reingest_adds_zero_rows_unless_forced(tmp_path: Path, lake_path: Path) -> None:
    src = good_csv(tmp_path / "a.csv", 30)
    lake = Lake(lake_path)
    first = lake.ingest(src, "a")
    again = lake.ingest(src, "a")
    assert again.skipped_duplicate and again.duplicate_of == first.batch_id
    assert again.rows_ingested == 0
    assert _count(lake_path, "SELECT count(*) FROM a") == 30
    forced = lake.ingest(src, "a", force=True)
    assert not forced.skipped_duplicate and forced.rows_ingested == 30
    assert _count(lake_path, "SELECT count(*) FROM a") == 60
    # Same bytes into another dataset is new content.
    assert not lake.ingest(src, "b").skipped_duplicate


def test_row_cap_counts_records_across_files(tmp_path: Path, lake_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    first = good_csv(folder / "1.csv", 40)
    good_csv(folder / "2.csv", 40, start=40)
    result = Lake(lake_path).ingest(sorted(folder.iterdir()), "capped", rows=55)
    assert (result.rows_read, result.rows_ingested) == (55, 55)
    assert result.files[0]["complete"] and not result.files[1]["complete"]
    assert result.files[0]["length"] == first.stat().st_size
    assert _count(lake_path, "SELECT max(id) FROM capped") == 54


@pytest.mark.parametrize("rows", [10_000, None])
def test_ragged_csv_accounts_for_every_record(
    tmp_path: Path, lake_path: Path, rows: int | None
) -> None:
    src, total, bad = ragged_csv(tmp_path / "ragged.csv")
    result = Lake(lake_path).ingest(src, "ragged", rows=rows)
    assert result.rows_read == total
    assert (result.rows_ingested, result.rows_rejected) == (total - bad, bad)
    rejects = Lake(lake_path).rejects(result.batch_id)
    assert {r["reason"] for r in rejects} == {"ragged_row"}
    assert sorted(r["line"] for r in rejects) == [5, 9, 13, 17, 20]
    assert all(r["raw"] for r in rejects)


def test_bad_casts_via_mapping_go_to_rejects(tmp_path: Path, lake_path: Path) -> None:
    src, total, bad = cast_csv(tmp_path / "cast.csv")
    mapping = mapping_from_dict({"cast": {"Amount": "DOUBLE", "signup_date": "DATE"}})
    result = Lake(lake_path).ingest(src, "casts", mapping=mapping)
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (
        total,
        total - bad,
        bad,
    )
    rejects = Lake(lake_path).rejects(result.batch_id)
    assert [r["reason"] for r in rejects] == ["cast_failure"] * 3
    assert sorted(r["record"] for r in rejects) == [3, 6, 10]
    assert "e_mail" in json.loads(rejects[0]["raw"])
    con = duckdb.connect(str(lake_path), read_only=True)
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'casts'"
        ).fetchall()
    )
    con.close()
    assert types["amount"] == "DOUBLE" and types["signup_date"] == "DATE"


def test_invalid_json_lines_are_rejected_per_line(tmp_path: Path, lake_path: Path) -> None:
    src, total, bad = bad_jsonl(tmp_path / "events.jsonl")
    result = Lake(lake_path).ingest(src, "events")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (
        total,
        total - bad,
        bad,
    )
    reasons = sorted((r["line"], r["reason"]) for r in Lake(lake_path).rejects(result.batch_id))
    assert reasons == [(3, "invalid_json"), (6, "not_an_object"), (8, "invalid_json")]
    assert _count(lake_path, "SELECT count(*) FROM events WHERE name = 'n5'") == 1


def test_gzip_json_lines_and_row_cap(tmp_path: Path, lake_path: Path) -> None:
    src = tmp_path / "e.jsonl.gz"
    with gzip.open(src, "wt") as fh:
        for i in range(100):
            fh.write(json.dumps({"id": i}) + "\n")
    result = Lake(lake_path).ingest(src, "gz", rows=25)
    assert (result.rows_read, result.rows_ingested) == (25, 25)


def test_mapping_rename_cast_drop_constant_identity(tmp_path: Path, lake_path: Path) -> None:
    src, _, _ = cast_csv(tmp_path / "m.csv")
    with (tmp_path / "m.csv").open("a") as fh:
        fh.write("12,,12.5,2024-02-01\n")  # empty identity: rejected
    map_file = tmp_path / "map.toml"
    map_file.write_text(
        'identity = "email"\ndrop = ["Signup Date"]\n[rename]\n"E-Mail" = "email"\n'
        '[cast]\nid = "INTEGER"\n[constants]\nsource_system = "crm"\nload_no = 7\n'
    )
    mapping = load_mapping(map_file)
    result = Lake(lake_path).ingest(src, "people", mapping=mapping)
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (13, 12, 1)
    assert Lake(lake_path).rejects(result.batch_id)[0]["reason"] == "missing_identity"
    names, rows = Lake(lake_path).show("people", 100)
    assert names == ["id", "email", "amount", "source_system", "load_no", BATCH_COLUMN]
    assert {r[3] for r in rows} == {"crm"} and {r[4] for r in rows} == {7}
    ds = Lake(lake_path).datasets()[0]
    assert ds["identity_column"] == "email" and ds["rows"] == 12


def test_mapping_errors_name_the_key(tmp_path: Path, lake_path: Path) -> None:
    with pytest.raises(LakeError) as exc:
        mapping_from_dict({"cast": {"amount": "NOT_A_TYPE"}})
    assert exc.value.field == "map.cast.amount"
    src = good_csv(tmp_path / "x.csv", 3)
    with pytest.raises(LakeError) as exc:
        Lake(lake_path).ingest(src, "x", mapping=mapping_from_dict({"drop": ["nope"]}))
    assert exc.value.field == "map.drop.nope"
    assert Lake(lake_path).batches() == []


def test_mapping_type_cannot_smuggle_sql(tmp_path: Path) -> None:
    marker = tmp_path / "pwned.csv"
    hostile = f"INTEGER); COPY (SELECT 1) TO '{marker}'; SELECT CAST(NULL AS INTEGER"
    with pytest.raises(LakeError) as exc:
        mapping_from_dict({"cast": {"amount": hostile}})
    assert exc.value.field == "map.cast.amount"
    assert not marker.exists()
    assert mapping_from_dict({"cast": {"amount": "DECIMAL(10, 2)"}}).cast == {"amount": "DECIMAL(10, 2)"}


def test_export_round_trip(tmp_path: Path, lake_path: Path) -> None:
    src = good_csv(tmp_path / "r.csv", 25)
    lake = Lake(lake_path)
    lake.ingest(src, "r")
    assert lake.export("r", tmp_path / "r.parquet", "parquet") == 25
    assert lake.export("r", tmp_path / "r_out.csv", "csv") == 25
    con = duckdb.connect()
    original = con.execute(
        f"SELECT id, email, amount FROM read_csv('{src}') ORDER BY id"
    ).fetchall()
    for out in ("r.parquet", "r_out.csv"):
        back = con.execute(
            f"SELECT id, email, amount FROM '{tmp_path / out}' ORDER BY id"
        ).fetchall()
        assert back == original


def test_parquet_and_json_array_sources(tmp_path: Path, lake_path: Path) -> None:
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT range AS id FROM range(30)) TO '{tmp_path / 'p.parquet'}' (FORMAT parquet)"
    )
    (tmp_path / "a.json").write_text(json.dumps([{"k": i} for i in range(8)]))
    lake = Lake(lake_path)
    assert lake.ingest(tmp_path / "p.parquet", "p", rows=10).rows_ingested == 10
    assert lake.ingest(tmp_path / "a.json", "arr").rows_ingested == 8


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Customers 2024", "customers_2024"),
        ("2024-sales", "t_2024_sales"),
        ("Ünïcode Näme", "unicode_name"),
        ("--", "dataset"),
        ("a__b", "a_b"),
    ],
)
def test_dataset_name_rule(raw: str, name: str) -> None:
    assert normalise_name(raw, kind="dataset") == name


def test_a_lake_file_without_its_tables_reads_as_empty_and_stays_untouched(tmp_path: Path) -> None:
    """An ingest stopped while it created the lake leaves a DuckDB file without the bookkeeping
    tables: reading it (``lake batches``, the read-back after Ctrl+C) says "no batches" instead of
    failing, and does not write to the file."""
    from datetime import UTC, datetime

    from sourcedoctor.cli.readback import read_back

    path = tmp_path / "half.duckdb"
    duckdb.connect(str(path)).close()
    before = path.read_bytes()
    lake = Lake(path)
    assert lake.batches() == [] and lake.datasets() == []
    back = read_back(lake, "big", datetime.now(UTC))
    assert back.error is None and back.batch is None
    assert path.read_bytes() == before
