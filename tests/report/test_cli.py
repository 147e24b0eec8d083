"""`sourcedoctor report show|convert|diff` as a subprocess: outputs and exit codes."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from sourcedoctor.config.secrets import Redactor
from sourcedoctor.report import to_json
from sourcedoctor.report.samples import HOST_KEY_SHA256_NEW, failing_report, passing_report
from tests.support import require_binary


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_binary("sourcedoctor"), "report", *args], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture()
def saved(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, report in (("pass", passing_report()), ("fail", failing_report()),
                         ("fail2", failing_report(HOST_KEY_SHA256_NEW))):
        out[name] = tmp_path / f"{name}.json"
        out[name].write_text(to_json(report, Redactor()))
    return out


def test_show(saved: dict[str, Path]) -> None:
    r = run("show", str(saved["fail"]))
    assert r.returncode == 0, r.stderr
    assert "auth.method_not_offered" in r.stdout and "1 check failed" in r.stdout


def test_convert_formats(saved: dict[str, Path], tmp_path: Path) -> None:
    md = run("convert", str(saved["fail"]), "--format", "md")
    assert md.returncode == 0 and md.stdout.startswith("# sourcedoctor report: FAIL")
    # --format is the shared vocabulary; --to, the first release's name, still works.
    assert run("convert", str(saved["fail"]), "--to", "md").stdout == md.stdout
    js = run("convert", str(saved["fail"]), "--to", "json", "--redact-hosts")
    assert json.loads(js.stdout)["target"]["host"] == "host-1"
    bundle = tmp_path / "b.zip"
    r = run("convert", str(saved["fail"]), "--to", "bundle", "--output", str(bundle))
    assert r.returncode == 0 and r.stdout == ""
    assert "report.html" in zipfile.ZipFile(bundle).namelist()
    html = tmp_path / "r.html"
    assert run("convert", str(bundle), "--to", "html", "-o", str(html)).returncode == 0
    assert "<details" in html.read_text()


def test_diff_exit_codes(saved: dict[str, Path]) -> None:
    better = run("diff", str(saved["fail"]), str(saved["pass"]))
    assert better.returncode == 0 and "Fixed (2)" in better.stdout
    worse = run("diff", str(saved["pass"]), str(saved["fail"]), "--format", "json")
    assert worse.returncode == 1
    assert json.loads(worse.stdout)["worse"] is True
    same = run("diff", str(saved["fail"]), str(saved["fail2"]), "--format", "json")
    assert same.returncode == 0
    fields = [c["field"] for c in json.loads(same.stdout)["evidence_changes"]]
    assert "sha256" in fields and "host_key_sha256" in fields


@pytest.mark.parametrize(
    "args",
    [("show", "/nonexistent/r.json"), ("convert", "{fail}", "--to", "bundle"),
     ("diff", "{fail}", "/nonexistent/r.json")],
)
def test_errors_are_one_line_exit_2(saved: dict[str, Path], args: tuple[str, ...]) -> None:
    r = run(*(a.format(fail=saved["fail"]) for a in args))
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr
