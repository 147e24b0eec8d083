"""Failure paths: the root cause is shown, ``e`` lands on the right field, Esc cancels a hanging
check within a second, and the UI keeps answering keys while a check hangs."""

from __future__ import annotations

import time

import pytest
from textual.widgets import OptionList

from sourcedoctor.connectors.sftp.demo.server import DemoServer
from sourcedoctor.connectors.sftp.settings import SftpSettings
from sourcedoctor.model import Status
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.diagnostics import DiagnosticsScreen
from sourcedoctor.tui.screens.setup import SetupScreen
from sourcedoctor.tui.widgets.checklist import CheckList
from sourcedoctor.tui.widgets.root_cause_banner import RootCauseBanner

from .conftest import wait_until


@pytest.mark.parametrize(
    ("fault", "code", "field"),
    [
        ("wrong-password", "auth.password_rejected", "password"),
        ("missing-folder", "path.not_found", "folder"),
    ],
)
async def test_root_cause_and_e_focuses_the_field(
    fault: str, code: str, field: str, profiles: ProfileStore
) -> None:
    async with DemoServer(fault=fault) as demo:
        app = SourceDoctorApp(settings=demo.settings(), profiles=profiles, timeout=5.0)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="form")
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
            diag = app.screen
            assert isinstance(diag, DiagnosticsScreen)
            await wait_until(pilot, lambda: diag.report is not None, what="the report")
            assert diag.report is not None and diag.report.root_cause is not None
            assert diag.report.root_cause.code == code
            assert diag.query_one(RootCauseBanner).display
            assert diag.query_one(RootCauseBanner).has_class("-failed")
            # The detail pane follows the root cause's check.
            selected = diag.query_one(CheckList).selected_result()
            assert selected is not None and selected.check_id == diag.report.root_cause.check
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="form")
            await pilot.pause()
            assert app.focused is not None and app.focused.id == f"field-{field}"


async def test_esc_cancels_a_hanging_check_within_a_second_and_ui_stays_responsive(
    tarpit: int, profiles: ProfileStore
) -> None:
    settings = SftpSettings(host="127.0.0.1", port=tarpit, user="nobody", password="x" * 8)
    app = SourceDoctorApp(settings=settings, profiles=profiles, timeout=10.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="form")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
        diag = app.screen
        assert isinstance(diag, DiagnosticsScreen)
        checklist = diag.query_one(CheckList)
        # Wait until TCP has passed and the next check is hanging on the silent socket.
        await wait_until(pilot, lambda: "tcp.connect" in checklist.results and
                         bool(checklist._in_progress), what="a hanging check")
        hanging = next(iter(checklist._in_progress))
        await pilot.pause(0.5)
        assert hanging in checklist._in_progress  # still hanging, not finished

        # The UI answers keys while the check hangs: moving the highlight changes it at once.
        before = checklist.highlighted
        t0 = time.monotonic()
        await pilot.press("down" if before == 0 else "up")
        assert checklist.highlighted != before
        assert time.monotonic() - t0 < 0.5
        # ...and the spinner keeps turning (its timer runs on the same loop).
        frame = checklist._frame
        await pilot.pause(0.35)
        assert checklist._frame > frame

        # Esc cancels within a second and keeps the partial result.
        t0 = time.monotonic()
        await pilot.press("escape")
        await wait_until(pilot, lambda: diag.report is not None, timeout=1.0,
                         what="the cancelled report")
        assert time.monotonic() - t0 < 1.0
        report = diag.report
        assert report is not None and report.interrupted
        tcp = report.result("tcp.connect")
        assert tcp is not None and tcp.status == Status.PASS
        cancelled = report.result(hanging)
        assert cancelled is not None and cancelled.status == Status.SKIP
        assert diag.cancel_took is not None and diag.cancel_took < 1.0
        assert isinstance(app.screen, DiagnosticsScreen)  # Esc cancelled; it did not leave


async def test_leaving_the_screen_cancels_the_worker(tarpit: int, profiles: ProfileStore) -> None:
    settings = SftpSettings(host="127.0.0.1", port=tarpit, user="nobody", password="x" * 8)
    app = SourceDoctorApp(settings=settings, profiles=profiles, timeout=10.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="form")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
        diag = app.screen
        assert isinstance(diag, DiagnosticsScreen)
        checklist = diag.query_one(CheckList)
        await wait_until(pilot, lambda: bool(checklist._in_progress), what="a running check")
        workers = [w for w in app.workers if w.group == "diagnose"]
        assert workers
        diag.query_one(OptionList).focus()
        await pilot.press("escape", "escape")  # cancel, then leave
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="the form")
        await wait_until(pilot, lambda: all(w.is_finished for w in workers), timeout=2.0,
                         what="the worker to end")
