"""The whole happy path against the real in-process SFTP server: form → diagnosis → browse →
preview → ingest → export. Assertions are on codes, statuses and data, never on prose."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from textual.widgets import Input, Tree

from sourcedoctor.connectors.sftp.demo.server import DemoServer
from sourcedoctor.model import Status
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.browse import BrowseScreen
from sourcedoctor.tui.screens.diagnostics import DiagnosticsScreen, can_browse
from sourcedoctor.tui.screens.export import ExportScreen
from sourcedoctor.tui.screens.ingest import IngestScreen
from sourcedoctor.tui.screens.preview import PreviewScreen
from sourcedoctor.tui.screens.setup import SetupScreen

from .conftest import screen_name, wait_until


async def type_into(pilot, field: str, text: str) -> None:  # type: ignore[no-untyped-def]
    widget = pilot.app.screen.query_one(f"#field-{field}", Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def test_happy_path(demo_server: DemoServer, profiles: ProfileStore, tmp_path: Path,
                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    app = SourceDoctorApp(profiles=profiles, timeout=5.0)
    async with app.run_test(size=(100, 30)) as pilot:
        # Home → New connection, then fill the form by typing, as a user would.
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup form")
        await type_into(pilot, "host", demo_server.host)
        await type_into(pilot, "port", str(demo_server.port))
        await type_into(pilot, "user", demo_server.user)
        await type_into(pilot, "password", demo_server.password)
        await type_into(pilot, "folder", demo_server.folder)
        await type_into(pilot, "host_key_fingerprint", demo_server.fingerprint)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen), what="diag")
        diag = app.screen
        assert isinstance(diag, DiagnosticsScreen)
        await wait_until(pilot, lambda: diag.report is not None, what="the report")
        report = diag.report
        assert report is not None and not report.interrupted
        for check_id in ("tcp.connect", "ssh.auth", "sftp.folder"):
            result = report.result(check_id)
            assert result is not None and result.status == Status.PASS, (check_id, report.codes)
        assert can_browse(report)

        # Browse the folder; the tree lists the demo files.
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, BrowseScreen), what="browse")
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        tree = browse.query_one(Tree)
        await wait_until(pilot, lambda: len(tree.root.children) > 0, what="the listing")
        names = {n.data.name for n in tree.root.children if n.data is not None}
        assert "customers.csv" in names

        # Preview customers.csv.
        node = next(n for n in tree.root.children if n.data and n.data.name == "customers.csv")
        tree.move_cursor(node)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        await wait_until(pilot, lambda: preview.sample is not None, what="the sample")
        assert preview.sample is not None
        assert preview.sample.format == "csv"
        assert [c.name for c in preview.sample.columns][:2] == ["id", "email"]
        assert preview.query_one("#rows").row_count == 6

        # Ingest the preview batch into a lake file of our own.
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, IngestScreen), what="ingest")
        ingest = app.screen
        assert isinstance(ingest, IngestScreen)
        lake_file = tmp_path / "lake.duckdb"
        ingest.query_one("#lake", Input).value = str(lake_file)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: ingest.result is not None, what="the ingest")
        assert ingest.result.rows_ingested == 6 and ingest.result.rows_rejected == 0
        with duckdb.connect(str(lake_file), read_only=True) as con:
            count = con.execute(f"SELECT count(*) FROM {ingest.result.dataset}").fetchone()
        assert count == (6,)

        # Export the diagnosis: the file has the report and no password.
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen), what="export")
        export = app.screen
        assert isinstance(export, ExportScreen)
        out = tmp_path / "report.json"
        export.query_one("#path", Input).value = str(out)
        await pilot.press("ctrl+w")
        await wait_until(pilot, lambda: export.written is not None, what="the file")
        text = out.read_text()
        assert demo_server.password not in text
        data = json.loads(text)
        assert data["schema"].startswith("sourcedoctor.report")
        assert [c["id"] for c in data["checks"]] == [c.check_id for c in report.checks]
        assert screen_name(app) == "ExportScreen"
