"""Terminal rendering with rich: the checklist, the root cause with its fix, the closing count.

Used by ``sourcedoctor report show`` and by ``check`` for its final summary.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..config.secrets import Redactor
from ..model import Report
from . import view
from .redaction import redacted_view

STYLE = {"pass": "green", "skip": "dim", "warn": "yellow", "fail": "red", "error": "bold red"}


def checklist_line(check: dict[str, Any]) -> Text:
    """One ``✓ Title (id) ... 12 ms`` line, with the worst finding on failure."""
    status = check.get("status", "")
    line = Text()
    line.append(f" {view.SYMBOL.get(status, '?')} ", style=STYLE.get(status, ""))
    line.append(str(check.get("title", "")), style="bold" if status in ("fail", "error") else "")
    line.append(f"  {check.get('id', '')}", style="dim")
    dur = view.check_duration(check)
    if dur:
        line.append(f"  {dur}", style="dim")
    headline = view.headline_finding(check)
    if headline and status != "pass":
        line.append(f"\n     {headline}", style=STYLE.get(status, ""))
    return line


def render_dict(data: dict[str, Any], console: Console) -> None:
    """Render an already redacted report dict."""
    verdict = str(data.get("verdict", "error"))
    console.print(Text(f"{view.SYMBOL.get(verdict, '?')} {view.VERDICT_TEXT.get(verdict, verdict)}",
                       style=f"bold {STYLE.get(verdict, '')}"))
    console.print(Text(f"  {view.target_line(data)} · {data.get('started_at', '')}", style="dim"))
    console.print()
    for check in data.get("checks", []):
        console.print(checklist_line(check))
    root = data.get("root_cause")
    if root:
        console.print()
        console.print(f"[bold red]Root cause:[/] [bold]{escape(root['code'])}[/] "
                      f"in {escape(root['check'])}: {escape(root['summary'])}", highlight=False)
        if root.get("audience"):
            console.print(f"  [dim]Who acts: {escape(root['audience'])}[/]", highlight=False)
        for n, step in enumerate(root.get("fix") or [], 1):
            console.print(f"  {n}. {escape(step)}", highlight=False)
    if data.get("interrupted"):
        console.print("[yellow]Interrupted: not every check finished.[/]")
    console.print()
    closing = view.closing_line(data)
    failed = data.get("verdict") in ("fail", "error")
    console.print(Text(closing, style="bold red" if failed else "bold green"))


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
