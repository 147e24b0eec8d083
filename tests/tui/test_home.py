"""Home: the demo fault picker starts the demo server with that fault; a saved report opens."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select

from sourcedoctor.config.secrets import Redactor
from sourcedoctor.report.json_report import to_json
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.diagnostics import DiagnosticsScreen
from sourcedoctor.tui.screens.home import HomeScreen
from sourcedoctor.tui.screens.open_report import OpenReportScreen
from sourcedoctor.tui.screens.setup import SetupScreen
from sourcedoctor.tui.widgets.settings_form import SettingsForm

from . import sample_data as data
from .conftest import wait_until


async def test_fault_picker_starts_the_demo_with_that_fault(profiles: ProfileStore) -> None:
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen)
                         and bool(app.screen.query("#fault")))
        app.screen.query_one("#fault", Select).value = "missing-folder"
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen)
                         and bool(app.screen.query(SettingsForm)), what="the demo form")
        values = app.screen.query_one(SettingsForm).values()
        assert app.demo_settings is not None
        assert values["port"] == str(app.demo_settings.port)
        assert values["folder"] == app.demo_settings.folder != "inbound"  # the fault's folder
        assert app.fault == "missing-folder"


async def test_run_app_demo_arguments_prefill_the_form(profiles: ProfileStore) -> None:
    app = SourceDoctorApp(demo=True, fault="wrong-password", profiles=profiles)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen)
                         and bool(app.screen.query(SettingsForm)), what="the demo form")
        values = app.screen.query_one(SettingsForm).values()
        assert values["host"] == "127.0.0.1" and values["user"] == app.demo_settings.user
        assert app.focused is not None and app.focused.id == "diagnose"


async def test_open_a_saved_report(tmp_path: Path, profiles: ProfileStore) -> None:
    report = data.failing_report()
    path = tmp_path / "report.json"
    path.write_text(to_json(report, Redactor()))
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, OpenReportScreen))
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
        shown = app.screen.report
        assert shown is not None
        assert shown.codes == report.codes
        assert shown.root_cause is not None and shown.root_cause.code == "auth.password_rejected"
        assert [c.status for c in shown.checks] == [c.status for c in report.checks]


async def test_opening_a_non_report_says_so(tmp_path: Path, profiles: ProfileStore) -> None:
    path = tmp_path / "not-a-report.json"
    path.write_text('{"hello": 1}')
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, OpenReportScreen))
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert any(n.severity == "error" for n in app._notifications)
