"""The banner at the top of the diagnostics screen: the verdict and the one thing to fix first."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...model import Report, Status, Verdict
from ...report.escape import for_terminal

#: What ``b`` browses, by connector: a database has tables, not files.
_BROWSES = {"postgres": "browse tables", "mysql": "browse tables"}


def _browse_label(report: Report) -> str:
    return _BROWSES.get(str(report.target.get("connector", "")), "browse files")


def banner_text(report: Report, culprit: str | None, browsable: bool = False) -> Text:
    """Verdict words, the root cause with its first fix step, and the keys that act on it."""
    counts = {s: sum(1 for r in report.checks if r.status == s) for s in Status}
    failed = counts[Status.FAIL] + counts[Status.ERROR]
    text = Text()
    if report.interrupted or report.verdict == Verdict.INCOMPLETE:
        # Never the pass wording: a stopped run proves nothing about the layers it did not reach.
        text.append("… INCOMPLETE ", style="bold reverse")
        text.append(f" cancelled: {len(report.checks)} checks, {failed} failed; run again. ")
    if report.root_cause is not None:
        root = report.root_cause
        text.append("✗ ROOT CAUSE ", style="bold reverse")
        text.append(f" {for_terminal(root.code)}: {for_terminal(root.summary)}\n", style="bold")
        if root.fix:
            text.append(f"Fix: {for_terminal(root.fix[0])}")
        # The key hints on a line of their own: after a long fix a narrow banner would otherwise
        # wrap them, leaving the field's name ("password") alone on the next line.
        if culprit or browsable:
            text.append("\n")
        if culprit:
            text.append(f"[e] edit {culprit}", style="bold")
        if browsable:
            text.append(f"{'   ' if culprit else ''}[b] {_browse_label(report)}")
        return text
    if report.interrupted or report.verdict == Verdict.INCOMPLETE:
        return text
    untested = [r for r in report.checks if r.status == Status.SKIP and not r.blocked_by
                and r.facts.get("check_by_hand")]
    if untested:
        # Only the settings were checked: never "all passed", and nothing to browse.
        text.append("✓ SETTINGS VALID  the live service was not checked (not testable offline)\n",
                    style="bold")
        text.append(f"Check it by hand: {for_terminal(untested[0].facts['check_by_hand'])}")
        text.append("   [x] export")
        return text
    if report.verdict == Verdict.WARN:
        text.append(f"! PASSED WITH WARNINGS  {counts[Status.WARN]} warning(s); "
                    "see the rows marked !", style="bold")
    else:
        text.append(f"✓ ALL {counts[Status.PASS]} CHECKS PASSED", style="bold")
    text.append(f"   [b] {_browse_label(report)}  [x] export")
    return text


class RootCauseBanner(Static):
    """Hidden until a run ends; then shows the verdict and the root cause."""

    def show(self, report: Report, culprit: str | None, browsable: bool = False) -> None:
        self.update(banner_text(report, culprit, browsable))
        self.set_class(report.root_cause is not None, "-failed")
        self.set_class(report.root_cause is None and report.verdict in (Verdict.PASS, Verdict.WARN),
                       "-passed")
        self.display = True
