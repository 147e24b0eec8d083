"""Kinesis record values against moto: one text record among JSON ones is split off as a reject
(the JSON fields stay columns), the platform's target flags it, and a URL without a stream lists
the streams as Kafka lists its topics."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sourcedoctor.lake import Lake
from sourcedoctor.lake.rows import ingest_rows
from sourcedoctor.model import Severity, Status, Verdict
from tests.fixtures.tls import Certificates
from tests.kinesis.conftest import EVENTS, KinesisMoto
from tests.kinesis.helpers import moto_settings, run_plan


async def test_text_record_among_json_is_a_reject_not_one_text_column(
        moto: KinesisMoto, certs: Certificates, tmp_path: Path) -> None:
    _, state = await run_plan(moto_settings(moto, certs, stream="events"))
    assert state.source is not None
    sample = await state.source.sample("events", limit=20)
    types = {c.name: c.platform_type for c in sample.columns}
    assert types["n"] == "integer" and types["kind"] == "string" and "value" not in types
    assert [(p.row, p.reason) for p in sample.problems] == [(6, "invalid_json")]
    lake = Lake(tmp_path / "lake.duckdb")
    result = ingest_rows(lake, sample, "events", source="kinesis")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (7, 6, 1)
    (reject,) = lake.rejects(result.batch_id)
    assert reject["reason"] == "invalid_json" and reject["raw"] == EVENTS[-1].decode()


async def test_aep_fails_the_text_record_generic_does_not(moto: KinesisMoto,
                                                          certs: Certificates) -> None:
    aep, _ = await run_plan(moto_settings(moto, certs, stream="events"), target="aep")
    records = aep.result("kinesis.records")
    assert records is not None
    (finding,) = [f for f in records.findings if f.code == "records.not_json"]
    assert finding.severity is Severity.FAIL and finding.evidence["kinds"] == {"text": 1}
    generic, _ = await run_plan(moto_settings(moto, certs, stream="events"))
    assert "records.not_json" not in generic.codes  # a generic reader can read text


async def test_no_stream_lists_the_streams(moto: KinesisMoto, certs: Certificates) -> None:
    settings = moto_settings(moto, certs).model_copy(update={"stream": None})
    report, state = await run_plan(settings)
    assert report.verdict is Verdict.PASS, report.codes
    stream, records = report.result("kinesis.stream"), report.result("kinesis.records")
    assert stream is not None and records is not None
    assert stream.status is Status.SKIP and {"clicks", "quiet", "events"} <= set(stream.facts["streams"])
    assert records.status is Status.SKIP and records.blocked_by is None
    assert state.source is not None
    listing = await state.source.relations()
    assert {"clicks", "quiet", "events"} <= {r.name for r in listing.relations}


def test_preview_and_ingest_without_stream_name_the_streams(moto: KinesisMoto, certs: Certificates,
                                                            tmp_path: Path) -> None:
    keys = moto.keys["reader"]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "KIN_SECRET": keys.secret_access_key}
    opts = ["--endpoint-url", moto.endpoint, "--ca-bundle", str(certs.ca_pem), "--access-key-id",
            keys.access_key_id, "--secret-access-key-env", "KIN_SECRET"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=env,
                              timeout=120, check=False, stdin=subprocess.DEVNULL)

    listed = run("preview", "kinesis://?region=us-east-1", *opts, "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert {"clicks", "events"} <= {e["name"] for e in json.loads(listed.stdout)["entries"]}
    text = run("preview", "kinesis://?region=us-east-1", *opts)
    assert text.returncode == 0, text.stderr
    assert "kinesis://STREAM?region=REGION" in text.stderr and "--table" not in text.stderr
    ingest = run("ingest", "kinesis://?region=us-east-1", *opts, "--dataset", "x", "--lake",
                 str(tmp_path / "lake.duckdb"))
    assert ingest.returncode == 2 and "kinesis://STREAM?region=REGION" in ingest.stderr
    assert "--table" not in ingest.stderr and "clicks" in ingest.stderr
