"""Ingest: land a preview batch of the file in the local DuckDB lake, then show what was rejected."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import platformdirs
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, ProgressBar, Static

from ...preview.model import SampleResult
from ...sources.base import FileEntry
from ..engine_parts import PartMissing, engine_part
from ..messages import ConnectionTarget, IngestAdvanced, IngestEnded

DEFAULT_ROWS = 10_000


def default_lake_path() -> Path:
    """The lake file under the user's data directory (same default as the CLI)."""
    return Path(platformdirs.user_data_dir("sourcedoctor")) / "lake.duckdb"


def dataset_name(entry: FileEntry) -> str:
    """A dataset name suggested from the file name (letters, digits, underscores)."""
    stem = entry.name.split(".", 1)[0].lower()
    name = re.sub(r"[^a-z0-9_]+", "_", stem).strip("_")
    return name or "dataset"


class IngestScreen(Screen[None]):
    """Dataset name, optional mapping file, lake path; progress; then counts and rejects."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+g", "ingest", "Ingest", priority=True),
        Binding("x", "export", "Export report"),
    ]

    def __init__(self, source: Any, entry: FileEntry, sample: SampleResult,
                 conn: ConnectionTarget | None, lake_path: Path | None = None) -> None:
        super().__init__()
        self.source = source
        self.entry = entry
        self.sample = sample
        self.conn = conn
        self.lake_path = lake_path or default_lake_path()
        self.result: Any | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"Ingest a preview batch · {self.entry.path}", id="title")
        for label, wid, value, placeholder in (
            ("Dataset", "dataset", dataset_name(self.entry), ""),
            ("Mapping file", "mapping", "", "optional TOML/JSON: rename, cast, drop…"),
            ("Rows (most)", "rows", str(DEFAULT_ROWS), ""),
            ("Lake file", "lake", str(self.lake_path), ""),
        ):
            with Horizontal(classes="field-line"):
                yield Static(label, classes="field-label")
                yield Input(value, id=wid, placeholder=placeholder, compact=True)
        with Horizontal(id="ingest-buttons"):
            yield Button("Ingest  ^G", id="ingest", variant="primary")
        yield ProgressBar(id="progress", show_eta=False)
        yield Static("", id="ingest-status")
        yield Static("Rejected rows", classes="section")
        yield DataTable(id="rejects", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ingest", Button).focus()
        table = self.query_one("#rejects", DataTable)
        table.add_columns("line", "reason", "record")

    @on(Button.Pressed, "#ingest")
    def _pressed(self) -> None:
        self.action_ingest()

    def action_ingest(self) -> None:
        """Validate the inputs and start the ingest worker."""
        status = self.query_one("#ingest-status", Static)
        dataset = self.query_one("#dataset", Input).value.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", dataset):
            status.update("✗ dataset: use letters, digits and _ (not starting with a digit)")
            return
        rows_text = self.query_one("#rows", Input).value.strip()
        if not rows_text.isdigit() or int(rows_text) < 1:
            status.update("✗ rows: give a whole number of rows, at least 1")
            return
        mapping = self.query_one("#mapping", Input).value.strip() or None
        lake = Path(self.query_one("#lake", Input).value.strip()).expanduser()
        status.update("Ingesting…")
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        self._ingest(dataset, int(rows_text), mapping, lake)

    @work(exclusive=True, group="ingest")
    async def _ingest(self, dataset: str, rows: int, mapping: str | None, lake: Path) -> None:
        try:
            ingest_from_source = engine_part("lake", "ingest_from_source", "Ingest into the lake")
        except PartMissing as exc:
            self.post_message(IngestEnded(None, str(exc)))
            return

        def progress(done: float, total: float | None = None) -> None:
            self.post_message(IngestAdvanced(done, total))

        target = self.conn.target if self.conn else "generic"
        try:
            result = await ingest_from_source(
                lake, self.source, [self.entry], dataset=dataset, rows=rows,
                mapping=mapping, target=target, sample=self.sample, progress=progress,
            )
        except Exception as exc:  # LakeBusy, a bad mapping, a read error: one line, app stays up
            self.post_message(IngestEnded(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(IngestEnded(result))

    def on_ingest_advanced(self, message: IngestAdvanced) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total,
                                                        progress=message.done)

    def on_ingest_ended(self, message: IngestEnded) -> None:
        status = self.query_one("#ingest-status", Static)
        if message.result is None:
            status.update(f"✗ Ingest failed: {message.reason}")
            return
        self.show_result(message.result)

    def show_result(self, result: Any) -> None:
        """Counts (read = ingested + rejected) and the rejects table."""
        self.result = result
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=1, progress=1)
        read = getattr(result, "rows_read", None)
        ingested = getattr(result, "rows_ingested", None)
        rejected = getattr(result, "rows_rejected", None)
        text = Text()
        text.append(f"✓ {ingested} rows ingested", style="bold")
        text.append(f" · {rejected} rejected · {read} read")
        dataset = getattr(result, "dataset", "")
        batch = getattr(result, "batch_id", "")
        if dataset:
            text.append(f"\ndataset {dataset} · batch {batch} · lake {self.query_one('#lake', Input).value}")
        if getattr(result, "duplicate", False):
            text.append("\n! The same content was already ingested; nothing added.")
        self.query_one("#ingest-status", Static).update(text)
        table = self.query_one("#rejects", DataTable)
        table.clear()
        for reject in list(getattr(result, "rejects", ()) or ())[:500]:
            line = getattr(reject, "line", "")
            reason = getattr(reject, "reason", "")
            raw = str(getattr(reject, "raw", ""))[:60]
            table.add_row(f"✗ {line}", reason, raw)

    def action_export(self) -> None:
        """Export the last diagnosis report."""
        report = getattr(self.app, "last_report", None)
        if report is None:
            self.notify("No report to export yet.")
            return
        from .export import ExportScreen

        self.app.push_screen(ExportScreen(report, self.conn.settings if self.conn else None))
