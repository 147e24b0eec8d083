"""What a sample's record values mean for the platform (``--target aep``) and for the lake,
against Tansu: values that are not JSON objects, a record above the 1 MB limit, one bad record
among JSON ones (split off as a reject, not a reason to keep one text column), an empty topic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sourcedoctor.lake import Lake, LakeError
from sourcedoctor.lake.rows import ingest_rows
from sourcedoctor.model import Severity
from sourcedoctor.sources.rows import RowSample
from tests.fixtures.tansu import TansuBroker
from tests.kafka.helpers import kafka, run_plan
from tests.kafka.test_cli import run


def _findings(report: object, code: str) -> list[object]:
    records = report.result("kafka.records")  # type: ignore[attr-defined]
    assert records is not None
    return [f for f in records.findings if f.code == code]


async def test_aep_fails_values_that_are_not_json_generic_warns_framed(tansu: TansuBroker) -> None:
    aep, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/mixed"), target="aep")
    (finding,) = _findings(aep, "records.not_json")
    assert finding.severity is Severity.FAIL  # type: ignore[attr-defined]
    assert finding.evidence["kinds"] == {"framed": 1, "text": 1}  # type: ignore[attr-defined]
    assert "sourcedoctor preview kafka://" in finding.fix[1]  # type: ignore[attr-defined]
    generic, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/mixed"))
    (warned,) = _findings(generic, "records.not_json")
    assert warned.severity is Severity.WARN  # type: ignore[attr-defined]
    assert warned.evidence["kinds"] == {"framed": 1}  # type: ignore[attr-defined]
    healthy, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/orders"), target="aep")
    assert not _findings(healthy, "records.not_json")


async def test_aep_fails_a_record_above_one_megabyte(tansu: TansuBroker) -> None:
    tansu.create_topic("twomb", 1)
    big = json.dumps({"blob": "x" * 2_000_000, "id": 1}).encode()
    tansu.produce("twomb", [big])
    aep, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/twomb"), target="aep")
    (finding,) = _findings(aep, "records.too_large")
    assert finding.evidence["largest"][0]["bytes"] == len(big)  # type: ignore[attr-defined]
    assert finding.severity is Severity.FAIL  # type: ignore[attr-defined]
    generic, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/twomb"))
    assert not _findings(generic, "records.too_large")


async def test_one_text_record_among_json_is_a_reject(tansu: TansuBroker, tmp_path: Path) -> None:
    tansu.create_topic("mostly", 1)
    tansu.produce("mostly", [json.dumps({"n": i}).encode() for i in range(4)] + [b"oops, text"])
    _, state = await run_plan(kafka(f"kafka://{tansu.bootstrap}/mostly"))
    assert state.source is not None
    sample = await state.source.sample("mostly", limit=10)
    assert {c.name: c.platform_type for c in sample.columns}["n"] == "integer"
    assert [(p.row, p.reason) for p in sample.problems] == [(4, "invalid_json")]
    lake = Lake(tmp_path / "lake.duckdb")
    result = ingest_rows(lake, sample, "mostly", source="kafka")
    assert (result.rows_ingested, result.rows_rejected) == (4, 1)
    (reject,) = lake.rejects(result.batch_id)
    assert reject["reason"] == "invalid_json" and reject["raw"] == "oops, text"
    columns, rows = lake.show("mostly", 10)
    assert sorted(r[columns.index("n")] for r in rows) == [0, 1, 2, 3]


async def test_empty_topic_has_no_columns_and_ingests_nothing(tansu: TansuBroker,
                                                              tmp_path: Path) -> None:
    _, state = await run_plan(kafka(f"kafka://{tansu.bootstrap}/empty"))
    assert state.source is not None
    sample: RowSample = await state.source.sample("empty", limit=10)
    assert sample.columns == () and sample.rows == ()
    lake = Lake(tmp_path / "lake.duckdb")
    with pytest.raises(LakeError, match="holds no records"):
        ingest_rows(lake, sample, "empty", source="kafka")
    proc = run("ingest", f"kafka://{tansu.bootstrap}/empty", "--dataset", "e", "--lake",
               str(tmp_path / "cli.duckdb"), "--timeout", "5")
    assert proc.returncode == 2 and "holds no records" in proc.stderr, proc.stderr
    assert "value" not in proc.stderr
    preview = run("preview", f"kafka://{tansu.bootstrap}/empty", "--timeout", "5", "--format", "json")
    assert preview.returncode == 0, preview.stderr
    (shown,) = json.loads(preview.stdout)["samples"]
    assert shown["columns"] == [] and shown["rows"] == []  # no invented value column
    lake_cli = Lake(tmp_path / "cli.duckdb")
    assert not lake_cli.path.exists() or not lake_cli.batches("e")
