"""The JSON report validates against its schema; saved reports load back, version-aware."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sourcedoctor.config.secrets import Redactor
from sourcedoctor.model import Report
from sourcedoctor.report import load_report, schema_errors, to_json, write_bundle
from sourcedoctor.report.json_report import schema_text
from sourcedoctor.report.load import ReportLoadError, report_from_dict
from sourcedoctor.report.samples import failing_report

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("redact_hosts", [False, True])
def test_every_sample_validates(sample: tuple[str, Report], redact_hosts: bool) -> None:
    _, report = sample
    data = json.loads(to_json(report, Redactor(redact_hosts=redact_hosts)))
    assert schema_errors(data) == []


def test_schema_rejects_broken_reports() -> None:
    data = json.loads(to_json(failing_report(), Redactor()))
    data["verdict"] = "maybe"
    data["checks"][0]["status"] = "ok"
    data["root_cause"]["code"] = "Not A Code"
    del data["checks"][1]["findings"]
    errors = schema_errors(data)
    paths = {e.split(":")[0] for e in errors}
    assert {"verdict", "checks/0/status", "checks/1", "root_cause"} <= paths


def test_docs_schema_is_the_canonical_one() -> None:
    assert (DOCS / "report.schema.json").read_text(encoding="utf-8") == schema_text(), (
        "docs/report.schema.json is stale: run python docs/samples/generate.py"
    )


def test_round_trip(sample: tuple[str, Report], tmp_path: Path) -> None:
    _, report = sample
    path = tmp_path / "r.json"
    path.write_text(to_json(report, Redactor()))
    assert load_report(path) == report
    bundle = tmp_path / "b.zip"
    write_bundle(report, Redactor(), bundle)
    assert load_report(bundle) == report


def test_minimal_v1_document_loads() -> None:
    """Early v1 writers omitted command, interrupted, extras, facts and audience: they default."""
    report = report_from_dict({
        "schema": "sourcedoctor.report/1", "tool": {"sourcedoctor": "0.0.1"}, "target": {},
        "started_at": "2024-12-01T10:00:00+00:00", "duration_ms": 5, "verdict": "fail",
        "root_cause": {"code": "tcp.refused", "check": "tcp", "summary": "refused", "fix": []},
        "checks": [{"id": "tcp", "title": "TCP", "status": "fail",
                    "findings": [{"code": "tcp.refused", "severity": "fail",
                                  "summary": "refused"}]}],
    })
    assert report.codes == ["tcp.refused"]
    assert report.command == "" and report.extras == {} and not report.interrupted


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('{"schema": "sourcedoctor.report/99", "checks": []}', "schema"),
        ('{"schema": "something else"}', "schema"),
        ('# sourcedoctor report: FAIL', "not JSON"),
        ('[1, 2]', "(top)"),
        ('{"schema": "sourcedoctor.report/1", "verdict": "pass"}', "checks"),
        ('{"schema": "sourcedoctor.report/1", "verdict": "meh", "checks": []}', "verdict"),
        ('{"schema": "sourcedoctor.report/1", "verdict": "fail", "checks": [{"title": "x"}]}',
         "checks[0].id"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path: Path, content: str, field: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(content)
    with pytest.raises(ReportLoadError) as exc:
        load_report(path)
    assert field in str(exc.value) and "\n" not in str(exc.value)


def test_docs_samples_are_fresh() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", DOCS / "samples" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, text in module.sample_files().items():
        assert (DOCS / name).read_text(encoding="utf-8") == text, (
            f"docs/{name} is stale: run python docs/samples/generate.py")
