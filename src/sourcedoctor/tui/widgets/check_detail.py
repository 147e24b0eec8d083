"""The detail pane: what a check found, the evidence, and the fix for whoever must act.

Findings quote servers and files (names, banners, errors): everything is shown through
:func:`~sourcedoctor.report.escape.for_terminal` inside ``Text`` objects, never as markup.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...model import CheckResult, Finding, Status
from ...report.escape import for_terminal
from .checklist import STATUS_STYLE, duration_text

_EVIDENCE_LIMIT = 400  # characters of one evidence value; the report keeps the rest


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    text = text if len(text) <= _EVIDENCE_LIMIT else text[:_EVIDENCE_LIMIT] + " …"
    return for_terminal(text, block=True)


def fix_text(finding: Finding) -> str:
    """The fix steps as plain numbered lines (what ``c`` copies; controls shown, so nothing pasted
    into a terminal can carry an escape sequence)."""
    return "\n".join(f"{n}. {for_terminal(step)}" for n, step in enumerate(finding.fix, 1))


def render_result(result: CheckResult) -> Text:
    """Everything about one check as text: header, findings with evidence and fix, then facts."""
    out = Text()
    style = STATUS_STYLE[result.status]
    out.append(f"{result.status.symbol} {for_terminal(result.title)}", style=f"bold {style}")
    out.append(f"  [{result.status.label}]", style=style)
    if result.status != Status.SKIP:
        out.append(f"  {duration_text(result.duration_ms)}", style="dim")
    out.append(f"\n{for_terminal(result.check_id)}\n", style="dim")
    if result.blocked_by:
        out.append(f"\nNot run: blocked by {for_terminal(result.blocked_by)}.\n")
    for finding in result.findings:
        out.append(f"\n{finding.severity.label.upper()} {for_terminal(finding.code)}\n",
                   style="bold")
        out.append(f"{for_terminal(finding.summary)}\n")
        if finding.detail:
            out.append(f"{for_terminal(finding.detail, block=True)}\n", style="italic")
        if finding.evidence:
            out.append("Evidence\n", style="underline")
            for key, value in finding.evidence.items():
                out.append(f"  {for_terminal(key)}: ", style="dim")
                out.append(f"{_value(value)}\n")
        if finding.fix:
            who = f" ({for_terminal(finding.audience)})" if finding.audience else ""
            out.append(f"Fix{who}\n", style="underline")
            out.append(fix_text(finding) + "\n")
    matrix = _matrix(result)
    if matrix is not None:
        out.append("\nClient compatibility\n", style="underline")
        out.append(matrix)
    facts = {k: v for k, v in result.facts.items() if not (k == "matrix" and matrix is not None)}
    if facts:
        out.append("\nFacts\n", style="underline")
        for key, value in facts.items():
            out.append(f"  {for_terminal(key)}: ", style="dim")
            out.append(f"{_value(value)}\n")
    if result.status == Status.PASS and not result.findings and not result.facts:
        out.append("\nPassed; nothing to report.\n")
    return out


def _matrix(result: CheckResult) -> Text | None:
    """The client-compatibility matrix of ``ssh.compat`` (the same view the reports render), one
    block per client stack so it reads in a narrow pane; None for any other check."""
    from ...report.view import compat_matrix

    rows = compat_matrix({"checks": [result.to_dict()]})
    if not rows:
        return None
    out = Text()
    for r in rows:
        out.append(f"  {for_terminal(r.verdict)[:1]} {for_terminal(r.client)}",
                   style="bold red" if r.verdict.startswith("✗") else "bold")
        out.append(f" — {for_terminal(r.verdict[2:])}\n")
        out.append(f"      kex {for_terminal(r.kex)} · host key {for_terminal(r.host_key)}\n", style="dim")
        out.append(f"      cipher {for_terminal(r.cipher)} · MAC {for_terminal(r.mac)}\n", style="dim")
    return out


class CheckDetail(VerticalScroll):
    """Scrollable text about the highlighted check."""

    DEFAULT_CSS = """
    CheckDetail { height: 1fr; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("Select a check to see its evidence and fix.", id="detail-text")

    def show(self, result: CheckResult | None) -> None:
        """Show ``result`` (or a waiting note while the check is running)."""
        body = self.query_one("#detail-text", Static)
        if result is None:
            body.update("Running… the evidence appears when the check finishes.")
        else:
            body.update(render_result(result))
        self.scroll_home(animate=False)
