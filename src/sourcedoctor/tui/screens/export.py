"""Export: pick a format and a path, see exactly what will be written (redacted), write it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Select, Static

from ...config.secrets import MASK, Redactor
from ...model import Report

#: format → file extension, in menu order
FORMATS: dict[str, str] = {"json": "json", "markdown": "md", "html": "html", "bundle": "zip"}
#: Our format names → ``sourcedoctor.report.write_report``'s.
WRITER_FORMAT = {"json": "json", "markdown": "md", "html": "html", "bundle": "bundle"}
PREVIEW_LINES = 200

Renderer = Callable[[Report, Redactor], str]


def renderer(fmt: str) -> Renderer:
    """The engine's redacting renderer for ``fmt`` (what the preview shows)."""
    from ...report import to_html, to_json, to_markdown

    # The support bundle is a zip around the JSON report; its preview is that JSON.
    renderers: dict[str, Renderer] = {"json": to_json, "markdown": to_markdown, "html": to_html,
                                      "bundle": to_json}
    return renderers[fmt]


def available_formats() -> list[str]:
    """Formats the export screen offers, in menu order."""
    return list(FORMATS)


def redactor_for_settings(settings: Any | None) -> Redactor:
    """The settings' connector's redactor (an opened report is already redacted)."""
    if settings is None:
        return Redactor()
    from ..connectors import connector_of

    return connector_of(settings).redactor(settings)


class ExportScreen(Screen[None]):
    """Writes the report; the preview shows the redacted text that will land in the file."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+w", "write", "Write file", priority=True),
    ]

    def __init__(self, report: Report, settings: Any | None,
                 directory: Path | None = None) -> None:
        super().__init__()
        self.report = report
        self.redactor = redactor_for_settings(settings)
        self.directory = directory or Path.cwd()
        self.formats = available_formats()
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        yield Static("Export the report · secrets are replaced by «redacted»", id="title")
        with Horizontal(classes="field-line"):
            yield Static("Format", classes="field-label")
            yield Select([(f, f) for f in self.formats], value=self.formats[0],
                         allow_blank=False, id="format", compact=True)
        with Horizontal(classes="field-line"):
            yield Static("Write to", classes="field-label")
            yield Input(str(self._default_path(self.formats[0])), id="path", compact=True)
        with Horizontal(id="export-buttons"):
            yield Button("Write  ^W", id="write", variant="primary", compact=True)
        yield Static("Redaction preview (exactly what the file will contain):", classes="section")
        yield Static("", id="redaction-count", classes="note")
        with VerticalScroll(id="export-preview"):
            yield Static("", id="preview-text")
        yield Static("", id="export-status")
        yield Footer()

    def on_mount(self) -> None:
        self._render_preview()
        self.query_one("#write", Button).focus()

    def _default_path(self, fmt: str) -> Path:
        """In the current directory (never a shared /tmp), named by the connector and the run's
        start time, so reports of different runs do not meet; an existing file is still only
        replaced on a second ^W (the output rule)."""
        return self.directory / f"{self._stem()}.{FORMATS[fmt]}"

    def _stem(self) -> str:
        connector = re.sub(r"[^a-z0-9]+", "", str(self.report.target.get("connector") or "")) or "run"
        when = re.sub(r"[^0-9]", "", str(self.report.started_at))[:14]
        return f"sourcedoctor-{connector}-{when[:8]}-{when[8:]}" if len(when) == 14 else (
            f"sourcedoctor-{connector}")

    @property
    def fmt(self) -> str:
        value = self.query_one("#format", Select).value
        return str(value) if isinstance(value, str) else self.formats[0]

    def rendered(self) -> str:
        """The redacted report text in the chosen format."""
        return renderer(self.fmt)(self.report, self.redactor)

    def _render_preview(self) -> None:
        rendered = self.rendered()
        masked = rendered.count(MASK)
        self.query_one("#redaction-count", Static).update(
            f"{masked} secret value(s) replaced by {MASK}; key material and passwords in URLs are "
            "always masked." if masked else
            f"No secret value appears in this report (any would be replaced by {MASK}).")
        lines = rendered.splitlines()
        shown = "\n".join(lines[:PREVIEW_LINES])
        if len(lines) > PREVIEW_LINES:
            shown += f"\n… {len(lines) - PREVIEW_LINES} more lines"
        from rich.text import Text

        self.query_one("#preview-text", Static).update(Text(shown))

    @on(Select.Changed, "#format")
    def _format_changed(self) -> None:
        path_input = self.query_one("#path", Input)
        current = Path(path_input.value)
        if current.stem == self._stem():
            path_input.value = str(current.with_suffix("." + FORMATS[self.fmt]))
        self._render_preview()

    @on(Button.Pressed, "#write")
    def _write_pressed(self) -> None:
        self.action_write()

    @on(Input.Submitted, "#path")
    def _path_submitted(self) -> None:
        self.action_write()

    def action_write(self) -> None:
        """Write the redacted report to the path."""
        status = self.query_one("#export-status", Static)
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            status.update("✗ path: give a file name to write to")
            return
        path = Path(raw).expanduser()
        from ...report import write_report

        # The output rule: an existing file is replaced only when asked twice (^W again).
        force = getattr(self, "_replace_ok", None) == path
        if path.is_file() and not force:
            self._replace_ok = path
            status.update(f"✗ path: {path} exists; press ^W again to replace it")
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_report(self.report, WRITER_FORMAT[self.fmt], self.redactor, path, force=force,
                         field="path")
        except OSError as exc:
            status.update(f"✗ path: cannot write {path}: {exc.strerror}")
            return
        except ValueError as exc:  # the writer refusing its input: one line, no traceback
            status.update(f"✗ {exc}")
            return
        self.written = path
        status.update(f"✓ Wrote {self.fmt} report to {path}")
        self.notify(f"Wrote {path}")
