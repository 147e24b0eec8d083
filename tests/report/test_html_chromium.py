"""The HTML report renders in headless Chromium: loads, shows the root cause, no console errors."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from sourcedoctor.config.secrets import Redactor
from sourcedoctor.model import Report
from sourcedoctor.report import to_html
from tests.support import require_binary

_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0",
]


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = require_binary("chromium", "chromium-browser")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [binary, *_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=60, cwd=tmp,
        )


def _console_errors(stderr: str) -> list[str]:
    # Chromium logs page console messages as 'CONSOLE(line)' / 'Uncaught'; dbus noise is not ours.
    return [ln for ln in stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]


def test_renders_in_chromium(sample: tuple[str, Report], tmp_path: Path) -> None:
    name, report = sample
    page = tmp_path / f"{name}.html"
    page.write_text(to_html(report, Redactor(redact_hosts=name == "fail")), encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert _console_errors(dom.stderr) == []
    assert f"sourcedoctor report: {report.verdict.value.upper()}" in dom.stdout
    if report.root_cause:
        assert 'id="root-cause"' in dom.stdout and report.root_cause.code in dom.stdout
    assert dom.stdout.count("<details") == len(report.checks)
    shot = tmp_path / f"{name}.png"
    result = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
