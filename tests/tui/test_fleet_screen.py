"""The fleet screen from Home: a real fleet file against the real embedded server, rows arrive live."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from sourcedoctor.connectors.sftp.demo.server import DemoServer
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.fleet import FleetScreen
from sourcedoctor.tui.screens.home import HomeScreen

from .conftest import wait_until


async def test_fleet_from_home(demo_server: DemoServer, profiles: ProfileStore, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_PW", demo_server.password)
    fleet_file = tmp_path / "fleet.toml"
    common = (f'url = "sftp://{demo_server.user}@127.0.0.1:{demo_server.port}/inbound"\n'
              f'host_key_fingerprint = "{demo_server.fingerprint}"\n')
    fleet_file.write_text(
        f'[[connection]]\nname = "ok"\n{common}password_env = "FLEET_PW"\n'
        f'[[connection]]\nname = "no-secret"\n{common}password_env = "UNSET_VAR_FOR_TEST"\n'
        f'[[connection]]\nname = "evil\\u001b[2J"\n{common}password_env = "FLEET_PW"\n')
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
        app.screen.query_one("#fleet-path", Input).value = str(fleet_file)
        await pilot.press("enter")
        table = app.screen.query_one("#fleet-table", DataTable)
        status = app.screen.query_one("#fleet-status", Static)
        await wait_until(pilot, lambda: table.row_count == 3 or "✗" in str(status.render()),
                         timeout=60, what="three rows")
        assert table.row_count == 3, status.render()
        summary = app.screen.query_one("#fleet-summary", Static)
        await wait_until(pilot, lambda: "3 connections" in str(summary.render()), what="the summary")
        rows = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(3)}
        assert rows["ok"] == "pass"
        assert rows["no-secret"] == "fail"  # the unresolved reference is config.invalid, named
        assert "evil\\x1b[2J" in rows  # the escape sequence is shown, never sent to the terminal
        assert "config.invalid" in str(summary.render())
        # Moving to a row shows that connection's root cause and fix from its kept report.
        table.focus()
        no_secret = next(i for i in range(3) if str(table.get_row_at(i)[0]) == "no-secret")
        table.move_cursor(row=no_secret)
        detail = app.screen.query_one("#fleet-detail", Static)
        await wait_until(pilot, lambda: "config.invalid" in str(detail.render()), what="the detail")
        assert "UNSET_VAR_FOR_TEST" in str(detail.render())
