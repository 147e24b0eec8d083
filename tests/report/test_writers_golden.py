"""Every writer's output for the sample reports, byte for byte against golden files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from sourcedoctor.config.secrets import Redactor
from sourcedoctor.model import Report
from sourcedoctor.report import to_html, to_json, to_markdown, to_text, write_bundle, write_report
from sourcedoctor.report.bundle import BUNDLE_FILES
from sourcedoctor.report.escape import md_inline
from sourcedoctor.report.samples import failing_report

from .golden import assert_golden


def test_json_golden(sample: tuple[str, Report]) -> None:
    name, report = sample
    assert_golden(f"{name}.json", to_json(report, Redactor()))


def test_markdown_golden(sample: tuple[str, Report]) -> None:
    name, report = sample
    assert_golden(f"{name}.md", to_markdown(report, Redactor()))


def test_html_golden(sample: tuple[str, Report]) -> None:
    name, report = sample
    assert_golden(f"{name}.html", to_html(report, Redactor()))


def test_text_golden(sample: tuple[str, Report]) -> None:
    name, report = sample
    assert_golden(f"{name}.txt", to_text(report, Redactor()))


def test_redact_hosts_golden() -> None:
    md = to_markdown(failing_report(), Redactor(redact_hosts=True))
    assert_golden("fail.redact-hosts.md", md)


def test_markdown_order_and_content(sample: tuple[str, Report]) -> None:
    """Verdict, root cause, layers, details, environment, reproduce: in that order."""
    _, report = sample
    md = to_markdown(report, Redactor())
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    expected = ["## Root cause", "## Layers", "## Details", "## Environment", "## Reproduce"]
    if report.verdict.value == "pass":
        expected.remove("## Details")
    assert headings == expected
    assert report.command in md
    assert str(report.target["resolver"]) in md
    if report.root_cause:
        assert report.root_cause.code in md.split("## Layers")[0]
        for step in report.root_cause.fix:
            assert md_inline(step) in md.split("## Layers")[0]  # shown escaped, renders as is
    for check in report.checks:
        assert f"`{check.check_id}`" in md


def test_html_has_the_same_findings_as_markdown(sample: tuple[str, Report]) -> None:
    _, report = sample
    html, md = to_html(report, Redactor()), to_markdown(report, Redactor())
    for check in report.checks:
        assert f'id="check-{check.check_id}"' in html
        for finding in check.findings:
            assert finding.code in html and finding.code in md
    assert html.count("<details") == len(report.checks)
    # self-contained: nothing fetched from anywhere
    for needle in ("<link", "src=", "@import", "url(", "http://", "https://"):
        assert needle not in html


def test_bundle_contents(tmp_path: Path, sample: tuple[str, Report]) -> None:
    _, report = sample
    path = tmp_path / "bundle.zip"
    write_bundle(report, Redactor(), path)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == list(BUNDLE_FILES)
        members = {n: zf.read(n).decode() for n in zf.namelist()}
    assert members["report.json"] == to_json(report, Redactor())
    assert members["report.md"] == to_markdown(report, Redactor())
    assert members["report.html"] == to_html(report, Redactor())
    assert members["transcript.txt"].splitlines() == list(report.extras["transcript"])
    env = json.loads(members["environment.json"])
    assert env["run"] == dict(report.tool)
    assert set(env["bundled_by"]) == {"sourcedoctor", "python", "os"}
    listing = "\n".join(f"{i.filename}" for i in zipfile.ZipFile(path).infolist()) + "\n"
    assert_golden("bundle-listing.txt", listing)


def test_bundle_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    write_bundle(failing_report(), Redactor(), a)
    write_bundle(failing_report(), Redactor(), b)
    assert a.read_bytes() == b.read_bytes()


def test_write_report_stdout_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = failing_report()
    write_report(report, "json", Redactor(), None)
    assert json.loads(capsys.readouterr().out)["root_cause"]["code"] == "auth.method_not_offered"
    for fmt in ("md", "html", "text", "json"):
        out = tmp_path / f"r.{fmt}"
        write_report(report, fmt, Redactor(), out)
        assert "auth.method_not_offered" in out.read_text()
    with pytest.raises(ValueError, match=r"^output:"):
        write_report(report, "bundle", Redactor(), None)
    with pytest.raises(ValueError, match=r"^format:"):
        write_report(report, "pdf", Redactor(), tmp_path / "x")
