"""Diagnostics: the checklist streams in live, the root cause lands on top, details on the right."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static

from ...model import CheckFinished, CheckStarted, Report, RunFinished, Status
from ...report.escape import for_terminal
from ..connectors import report_connector
from ..fieldmap import culprit_field
from ..lazy_engine import engine_module
from ..messages import (
    CheckBegan,
    CheckConcluded,
    ConnectionTarget,
    DiagnosisCrashed,
    DiagnosisEnded,
)
from ..widgets.check_detail import CheckDetail, fix_text
from ..widgets.checklist import CheckList, duration_text
from ..widgets.root_cause_banner import RootCauseBanner

if TYPE_CHECKING:
    from ...connectors.base import Connector


def summary_line(report: Report) -> str:
    """``Finished in 1.2 s · 9 passed, 1 failed, 3 skipped`` (words, not colours)."""
    words = []
    for status, word in ((Status.PASS, "passed"), (Status.WARN, "warned"),
                         (Status.FAIL, "failed"), (Status.ERROR, "crashed"),
                         (Status.SKIP, "skipped")):
        n = sum(1 for r in report.checks if r.status == status)
        if n:
            words.append(f"{n} {word}")
    head = "Incomplete: cancelled after" if report.interrupted else "Finished in"
    return f"{head} {duration_text(report.duration_ms)} · " + ", ".join(words)


def can_browse(report: Report, connector: Connector | None = None) -> bool:
    """Whether every layer up to the connector's source layer (the SFTP folder, the S3 listing)
    passed; data problems do not stop browsing. ``connector`` defaults to the report's."""
    if report.interrupted:
        return False
    connector = connector or report_connector(report)
    folder = report.result(connector.source_layer) if connector is not None else None
    if folder is None:
        return report.root_cause is None
    # A source layer skipped for want of work (a database URL without a table: nothing to check
    # yet, the relations can still be browsed) is no obstacle; one skipped because an earlier
    # layer failed is.
    # A source layer that needs a live service this version does not contact (``check_by_hand``)
    # opened nothing: there is nothing to browse.
    usable = folder.status in (Status.PASS, Status.WARN) or (
        folder.status == Status.SKIP and not folder.blocked_by
        and not folder.facts.get("check_by_hand"))
    return usable and all(
        r.status < Status.FAIL for r in report.checks[: report.checks.index(folder) + 1])


class DiagnosticsScreen(Screen[None]):
    """Runs (or shows) one diagnosis: ``conn`` runs it live, ``report`` shows a finished one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_or_back", "Cancel/Back"),
        Binding("r", "rerun", "Re-run"),
        Binding("e", "edit_culprit", "Edit field"),
        Binding("x", "export", "Export"),
        Binding("b", "browse", "Browse"),
        Binding("c", "copy_fix", "Copy fix"),
    ]

    def __init__(self, conn: ConnectionTarget | None = None, *, report: Report | None = None,
                 animate: bool = True) -> None:
        super().__init__()
        self.conn = conn
        self.report: Report | None = report
        self._spin = animate
        self._runner: object | None = None
        self._run_no = 0
        self.running = False
        self.cancel_requested_at: float | None = None
        self.cancel_took: float | None = None

    def compose(self) -> ComposeResult:
        if self.conn is not None:
            where = f"{self.conn.url} · target {self.conn.target}"
        elif self.report is not None:
            where = str(self.report.target.get("url", "report")) + " · opened report"
        else:
            where = ""
        yield Static(Text(f"Diagnosis · {for_terminal(where)}"), id="title")  # never markup
        banner = RootCauseBanner(id="banner")
        banner.display = False
        yield banner
        with Horizontal(id="diag-body"):
            yield CheckList(id="checklist", animate=self._spin)
            yield CheckDetail(id="detail")
        yield Static("", id="diag-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CheckList).focus()
        if self.report is not None:
            self._show_report(self.report)
        elif self.conn is not None:
            self.action_rerun()

    # --- running ------------------------------------------------------------------------------

    def action_rerun(self) -> None:
        """Start (or restart) the diagnosis."""
        if self.conn is None:
            self.notify("This report was opened from a file; there is nothing to re-run.")
            return
        self._run_no += 1
        self.report = None
        self.cancel_requested_at = self.cancel_took = None
        self.query_one(CheckList).reset()
        self.query_one(RootCauseBanner).display = False
        self.query_one(CheckDetail).show(None)
        self.query_one("#diag-status", Static).update("Running… Esc cancels.")
        self.running = True
        self._diagnose(self.conn, self._run_no)

    @work(exclusive=True, group="diagnose")
    async def _diagnose(self, conn: ConnectionTarget, run: int) -> None:
        try:
            api = await engine_module("api")
            runner = api.runner(conn.settings, target=conn.target, timeout=conn.timeout)
        except Exception as exc:  # a bad setting or an engine bug: say it, do not crash the app
            self.post_message(DiagnosisCrashed(f"{type(exc).__name__}: {exc}"))
            return
        self._runner = runner
        async for event in runner.events():
            if isinstance(event, CheckStarted):
                self.post_message(CheckBegan(event.check_id, event.title, run))
            elif isinstance(event, CheckFinished):
                self.post_message(CheckConcluded(event.result, run))
            elif isinstance(event, RunFinished):
                self.post_message(DiagnosisEnded(event.report, run))

    def on_check_began(self, message: CheckBegan) -> None:
        if message.run == self._run_no:
            self.query_one(CheckList).begin(message.check_id, message.title)

    def on_check_concluded(self, message: CheckConcluded) -> None:
        if message.run != self._run_no:
            return
        checklist = self.query_one(CheckList)
        checklist.conclude(message.result)
        if checklist.selected_result() is message.result:
            self.query_one(CheckDetail).show(message.result)

    def on_diagnosis_ended(self, message: DiagnosisEnded) -> None:
        if message.run != self._run_no:
            return
        if self.cancel_requested_at is not None:
            self.cancel_took = time.monotonic() - self.cancel_requested_at
        self._runner = None
        self._show_report(message.report)

    def on_diagnosis_crashed(self, message: DiagnosisCrashed) -> None:
        self.running = False
        self.query_one("#diag-status", Static).update(
            Text(f"✗ Could not run the diagnosis: {for_terminal(message.reason)}"))

    def _show_report(self, report: Report) -> None:
        self.running = False
        self.report = report
        setattr(self.app, "last_report", report)  # noqa: B010 - any app may host this screen
        checklist = self.query_one(CheckList)
        checklist.show_all(report.checks)
        connector = self.conn.connector if self.conn else None
        culprit = culprit_field(report, connector)
        # An opened report can be read, not browsed: there is no connection behind it.
        browsable = connector is not None and can_browse(report, connector)
        self.query_one(RootCauseBanner).show(report, culprit, browsable)
        if report.root_cause is not None:
            checklist.highlight_check(report.root_cause.check)
        self.query_one(CheckDetail).show(checklist.selected_result())
        self.query_one("#diag-status", Static).update(summary_line(report))

    @on(OptionList.OptionHighlighted, "#checklist")
    def _highlighted(self) -> None:
        self.query_one(CheckDetail).show(self.query_one(CheckList).selected_result())

    # --- keys ---------------------------------------------------------------------------------

    def action_cancel_or_back(self) -> None:
        """Esc: cancel a running diagnosis (keeping the partial result), else go back."""
        if self.running and self._runner is not None:
            self.cancel_requested_at = time.monotonic()
            self._runner.cancel()  # type: ignore[attr-defined]
            self.query_one("#diag-status", Static).update("Cancelling… closing connections.")
            return
        self.workers.cancel_group(self, "diagnose")
        self.app.pop_screen()

    def action_edit_culprit(self) -> None:
        """Back to the setup form with the field behind the root cause focused."""
        if self.report is None:
            return
        connector = self.conn.connector if self.conn else report_connector(self.report)
        field = culprit_field(self.report, connector)
        if field is None:
            self.notify("No form field can fix this result.")
            return
        from .setup import SetupScreen

        stack = self.app.screen_stack
        setups = [s for s in stack if isinstance(s, SetupScreen)]
        if setups:
            setup = setups[-1]
            while self.app.screen is not setup:
                self.app.pop_screen()
            setup.focus_field(field)
            return
        initial = self.conn.settings.model_dump() if self.conn is not None else {}
        target = self.conn.target if self.conn is not None else "generic"
        screen = (SetupScreen(initial, target=target, connector=connector) if connector
                  else SetupScreen(initial, target=target))
        self.app.push_screen(screen)
        screen.call_after_refresh(screen.focus_field, field)

    def action_export(self) -> None:
        """Export the (possibly partial) report."""
        if self.report is None:
            self.notify("Nothing to export yet; wait for the run or press Esc to cancel it.")
            return
        from .export import ExportScreen

        self.app.push_screen(ExportScreen(self.report, self.conn.settings if self.conn else None))

    def action_browse(self) -> None:
        """Browse the folder (after a passing diagnosis)."""
        if self.conn is None or self.report is None:
            return
        if not can_browse(self.report, self.conn.connector):
            self.notify("Browsing needs every layer up to the folder to pass; fix the root cause "
                        "first.", severity="warning")
            return
        from .browse import BrowseScreen

        self.app.push_screen(BrowseScreen(self.conn))

    def action_copy_fix(self) -> None:
        """Copy the highlighted check's fix steps to the clipboard."""
        result = self.query_one(CheckList).selected_result()
        finding = result.worst if result else None
        if finding is None or not finding.fix:
            self.notify("No fix to copy for this check.")
            return
        self.app.copy_to_clipboard(fix_text(finding))
        self.notify("Fix copied to the clipboard.")
