"""Terminal rendering with rich: the checklist, the root cause with its fix, the closing count.

Used by ``sourcedoctor report show`` and by ``check`` for its final summary. Every string from the
report goes through :func:`.escape.for_terminal` into a ``Text`` (never a markup string): a file
name with escape sequences or ``[bold]`` in it is shown, not obeyed.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.text import Text

from ..config.secrets import Redactor
from ..model import Report
from . import view
from .escape import for_terminal as _t
from .redaction import redacted_view

STYLE = {"pass": "green", "skip": "dim", "warn": "yellow", "fail": "red", "error": "bold red",
         "incomplete": "yellow"}


def checklist_line(check: dict[str, Any]) -> Text:
    """One ``✓ Title (id) ... 12 ms`` line, with the worst finding on failure."""
    status = check.get("status", "")
    line = Text()
    line.append(f" {_t(view.SYMBOL.get(status, '?'))} ", style=STYLE.get(status, ""))
    line.append(_t(check.get("title", "")), style="bold" if status in ("fail", "error") else "")
    line.append(f"  {_t(check.get('id', ''))}", style="dim")
    dur = view.check_duration(check)
    if dur:
        line.append(f"  {_t(dur)}", style="dim")
    headline = view.headline_finding(check)
    facts = check.get("facts") or {}
    if not headline and status == "skip" and not facts.get("check_by_hand"):
        # A layer that did not apply says why (and what it found instead: a Kafka run without a
        # topic lists the topics there); a blocked one already says "blocked by".
        headline = str(facts.get("skipped") or "")
    if headline and status != "pass":
        line.append(f"\n     {_t(headline)}", style=STYLE.get(status, ""))
    return line


def render_dict(data: dict[str, Any], console: Console) -> None:
    """Render an already redacted report dict."""
    verdict = str(data.get("verdict", "error"))
    console.print(Text(_t(f"{view.SYMBOL.get(verdict, '?')} {view.verdict_text(data)}"),
                       style=f"bold {STYLE.get(verdict, '')}"))
    console.print(Text(_t(f"  {view.target_line(data)} · {data.get('started_at', '')}"),
                       style="dim"))
    console.print()
    for check in data.get("checks", []):
        console.print(checklist_line(check))
    _matrix(data, console)
    root = data.get("root_cause")
    if root:
        console.print()
        console.print(Text.assemble(
            ("Root cause:", "bold red"), " ", (_t(root["code"]), "bold"),
            f" in {_t(root['check'])}: {_t(root['summary'])}"))
        if root.get("audience"):
            console.print(Text(f"  Who acts: {_t(root['audience'])}", style="dim"))
        for n, step in enumerate(root.get("fix") or [], 1):
            console.print(Text(f"  {n}. {_t(step)}"))
    for check in view.not_run(data):  # the JSON has it in facts; a reader of text needs it too
        console.print()
        console.print(Text(_t(f"Not checked: {check.get('title', '')} — "
                              f"{(check.get('facts') or {}).get('skipped', '')}"), style="yellow"))
        console.print(Text(_t(f"  check by hand: {check['facts']['check_by_hand']}")))
    if data.get("interrupted"):
        console.print("[yellow]Interrupted: not every check finished.[/]")
    console.print()
    closing = view.closing_line(data)
    style = "bold green" if verdict not in view.NOT_GOOD else f"bold {STYLE.get(verdict, 'red')}"
    console.print(Text(_t(closing), style=style))


def _matrix(data: dict[str, Any], console: Console) -> None:
    """The client-compatibility matrix, when the report has one."""
    rows = view.compat_matrix(data)
    if not rows:
        return
    from rich.table import Table

    table = Table(title="Client compatibility (what each SSH stack negotiates with this server)",
                  title_justify="left", show_lines=False, box=None, padding=(0, 1))
    for column in ("client", "key exchange", "host key", "cipher", "MAC", "result"):
        # Fold, never ellipsize: a cut algorithm name ("mlkem768x25…") is no evidence.
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(_t(v)) for v in (row.client, row.kex, row.host_key, row.cipher, row.mac,
                                              row.verdict)))
    console.print()
    console.print(table)


def render_text(report: Report, console: Console, redactor: Redactor | None = None) -> None:
    """Print the report's checklist, root cause with fix and closing count to ``console``.

    Without a ``redactor`` an empty one still masks key material, URL passwords and labelled tokens.
    """
    render_dict(redacted_view(report, redactor or Redactor()), console)


def to_text(report: Report, redactor: Redactor, *, width: int = 100) -> str:
    """The terminal rendering as plain text (no colours), e.g. for ``--format text --output F``."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None,
                      force_terminal=False)
    render_dict(redacted_view(report, redactor), console)
    return console.export_text()
