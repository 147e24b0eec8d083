"""The help screen: every key of every screen, generated from their bindings (never out of date)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

GLOBAL_KEYS = (
    ("? / F1", "this help"),
    ("^P", "command palette: every action by name"),
    ("Tab / Shift+Tab", "next / previous field or pane"),
    ("^Q", "quit"),
)


def _keys(bindings: list[BindingType]) -> list[tuple[str, str]]:
    out = []
    for b in bindings:
        if isinstance(b, Binding) and b.description:
            out.append((b.key.replace("ctrl+", "^").replace("escape", "Esc"), b.description))
        elif isinstance(b, tuple) and len(b) >= 3:
            out.append((str(b[0]), str(b[2])))
    return out


def help_text() -> Text:
    """All keys, grouped by screen."""
    from .browse import BrowseScreen
    from .diagnostics import DiagnosticsScreen
    from .export import ExportScreen
    from .home import HomeScreen
    from .ingest import IngestScreen
    from .preview import PreviewScreen
    from .setup import SetupScreen

    text = Text()
    text.append("Keys\n", style="bold")
    for key, what in GLOBAL_KEYS:
        text.append(f"  {key:<16} {what}\n")
    for title, screen in (("Home", HomeScreen), ("Setup form", SetupScreen),
                          ("Diagnostics", DiagnosticsScreen), ("Browse", BrowseScreen),
                          ("Preview", PreviewScreen), ("Ingest", IngestScreen),
                          ("Export", ExportScreen)):
        text.append(f"\n{title}\n", style="bold")
        for key, what in _keys(list(screen.BINDINGS)):
            text.append(f"  {key:<16} {what}\n")
    text.append("\nStatus symbols: ✓ pass  ! warning  ✗ fail  – skipped  ‼ internal error\n")
    return text


class HelpScreen(ModalScreen[None]):
    """Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(help_text(), id="help-text")
