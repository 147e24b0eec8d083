"""Export: every format the engine writes, redacted; the bundle is a real zip."""

from __future__ import annotations

import asyncio
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from sourcedoctor.connectors.sftp.settings import SftpSettings
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.export import ExportScreen, available_formats

from . import sample_data as data
from .conftest import wait_until

SECRET = "Tr0ub4dor&3-unique"


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "bundle"])
async def test_export_writes_each_format_without_the_secret(
    fmt: str, tmp_path: Path, profiles: ProfileStore
) -> None:
    assert fmt in available_formats()
    settings = SftpSettings(host="sftp.example.com", user="ingest", password=SECRET)
    base = data.failing_report()
    # A secret that leaked into evidence must still not reach the file.
    auth = base.result("ssh.auth")
    assert auth is not None
    leaked = replace(auth.findings[0], evidence={**auth.findings[0].evidence, "echo": SECRET})
    checks = tuple(replace(c, findings=(leaked,)) if c is auth else c for c in base.checks)
    report = replace(base, checks=checks)
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = ExportScreen(report, settings, directory=tmp_path)
        await app.push_screen(screen)
        await pilot.pause()
        screen.query_one("#format", Select).value = fmt
        await pilot.pause()
        assert SECRET not in screen.rendered()
        out = tmp_path / f"out.{fmt}"
        screen.query_one("#path", Input).value = str(out)
        await pilot.press("ctrl+w")
        await wait_until(pilot, lambda: screen.written is not None, what="the file")
    if fmt == "bundle":
        with zipfile.ZipFile(out) as bundle:
            names = bundle.namelist()
            body = b"".join(bundle.read(n) for n in names)
            assert any(n.endswith("report.json") for n in names)
            inner = json.loads(bundle.read(next(n for n in names if n.endswith("report.json"))))
            assert inner["root_cause"]["code"] == "auth.password_rejected"
    else:
        body = out.read_bytes()
        assert b"auth.password_rejected" in body
    assert SECRET.encode() not in body


async def test_default_path_names_the_connector_and_run_and_never_overwrites_silently(
        tmp_path: Path, profiles: ProfileStore) -> None:
    report = data.failing_report()
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = ExportScreen(report, None, directory=tmp_path)
        await app.push_screen(screen)
        await pilot.pause()
        path = Path(screen.query_one("#path", Input).value)
        connector = report.target["connector"]
        assert path.parent == tmp_path and path.name.startswith(f"sourcedoctor-{connector}-")
        assert path.suffix == ".json" and "/tmp/sourcedoctor-report" not in str(path)
        screen.query_one("#format", Select).value = "markdown"
        await pilot.pause()
        assert Path(screen.query_one("#path", Input).value) == path.with_suffix(".md")
        screen.query_one("#format", Select).value = "json"
        await pilot.pause()
        await asyncio.to_thread(path.write_text, "mine")  # replaced only on a second ^W
        await pilot.press("ctrl+w")
        await pilot.pause()
        assert screen.written is None
        assert await asyncio.to_thread(path.read_text) == "mine"
