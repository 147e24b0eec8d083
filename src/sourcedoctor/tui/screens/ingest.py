"""Ingest: land a preview batch in the local DuckDB lake, then show what was rejected."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, ProgressBar, Static

from ...preview.model import SampleResult
from ...report.escape import for_terminal as _t
from ...sources.base import FileEntry
from ..lazy_engine import engine_module
from ..messages import ConnectionTarget, IngestAdvanced, IngestEnded

DEFAULT_ROWS = 10_000
REJECTS_SHOWN = 500
NOTES_SHOWN = 8


def default_lake_path() -> Path:
    """The lake's own default file (the CLI's): lake.duckdb in the user data directory."""
    from ...lake import default_lake_path as lake_default

    return lake_default()


def dataset_name(entry: FileEntry) -> str:
    """A dataset name suggested from the file name (letters, digits, underscores)."""
    stem = entry.name.split(".", 1)[0].lower()
    name = re.sub(r"[^a-z0-9_]+", "_", stem).strip("_")
    return name or "dataset"


class IngestScreen(Screen[None]):
    """Dataset name, optional mapping file, lake path; progress; then counts and rejects."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+g", "ingest", "Ingest", priority=True),
        Binding("x", "export", "Export report"),
    ]

    def __init__(self, source: Any, entry: FileEntry, sample: SampleResult,
                 conn: ConnectionTarget | None, lake_path: Path | None = None, *,
                 folder: str | None = None) -> None:
        super().__init__()
        self.source = source
        self.entry = entry
        self.sample = sample
        self.conn = conn
        #: The folder ``conn``'s URL names, as the source spells it: the lake labels the file
        #: by that URL + the file's path inside it (not the folder twice).
        self.folder = folder
        self.lake_path = lake_path or default_lake_path()
        self.result: Any | None = None

    def source_name(self) -> str:
        """What is ingested, for the title (a file's path; a relation for rows)."""
        return self.entry.path

    def suggested_dataset(self) -> str:
        """The dataset name the form starts with."""
        return dataset_name(self.entry)

    async def run_ingest(self, lake: Any, dataset: str, rows: int, mapping: Any,
                         progress: Any, label: str | None) -> Any:
        """Land the batch (here: the file, through its source); returns the BatchResult."""
        from ...lake import Sampling, ingest_from_source

        # Judged under the connection's target, as the preview was (and as the CLI's --target):
        # under aep an archive member the platform refuses is a failure, multi-line JSON a note.
        sampling = None if self.conn is None else Sampling(target=self.conn.target,
                                                           timeout=self.conn.timeout)
        return await ingest_from_source(
            lake, self.source, [self.entry.path], dataset, rows=rows, mapping=mapping,
            progress=progress, source_label=label, folder=self.folder, sampling=sampling,
        )

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Ingest a preview batch · {_t(self.source_name())}"), id="title")
        for label, wid, value, placeholder in (
            ("Dataset", "dataset", self.suggested_dataset(), ""),
            ("Mapping file", "mapping", "", "optional TOML/JSON: rename, cast, drop…"),
            ("Rows (most)", "rows", str(DEFAULT_ROWS), ""),
            ("Lake file", "lake", str(self.lake_path), ""),
        ):
            with Horizontal(classes="field-line"):
                yield Static(label, classes="field-label")
                yield Input(value, id=wid, placeholder=placeholder, compact=True)
        with Horizontal(id="ingest-buttons"):
            yield Button("Ingest  ^G", id="ingest", variant="primary", compact=True)
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
    async def _ingest(self, dataset: str, rows: int, mapping: str | None, lake_path: Path) -> None:
        await engine_module("lake")  # a first import of duckdb must not block the event loop
        from ...lake import Lake, load_mapping

        def progress(done: int, total: int) -> None:
            # Called from the lake's worker thread: hand the numbers to the app's loop.
            self.app.call_from_thread(self.post_message, IngestAdvanced(done, total or None))

        label = None
        if self.conn is not None:
            label = self.conn.url
        try:
            mapping_obj = await asyncio.to_thread(load_mapping, mapping) if mapping else None
            lake = Lake(lake_path)
            result = await self.run_ingest(lake, dataset, rows, mapping_obj, progress, label)
            rejects = await asyncio.to_thread(lake.rejects, result.batch_id, limit=REJECTS_SHOWN)
        except Exception as exc:  # LakeBusy, a bad mapping, a read error: one line, app stays up
            # Shown escaped line by line (file names are foreign text), then joined.
            reason = _t(str(exc) or type(exc).__name__)
            # A refused file (data.encoding …): its fix, as the CLI prints it.
            for finding in getattr(exc, "findings", ())[:1]:
                reason += "".join(f"\n  fix: {_t(step)}" for step in finding.fix)
            self.post_message(IngestEnded(None, reason))
            return
        self.post_message(IngestEnded((result, rejects)))

    def on_ingest_advanced(self, message: IngestAdvanced) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total,
                                                        progress=message.done)

    def on_ingest_ended(self, message: IngestEnded) -> None:
        status = self.query_one("#ingest-status", Static)
        if message.result is None:
            # The bar ends (at nothing done) rather than spinning on as if work went on.
            self.query_one("#progress", ProgressBar).update(total=1, progress=0)
            status.update(Text(f"✗ Ingest failed: {message.reason}"))  # escaped in _ingest
            return
        result, rejects = message.result
        self.show_result(result, rejects)

    def show_result(self, result: Any, rejects: list[dict[str, Any]]) -> None:
        """Counts (read = ingested + rejected) and the rejects table."""
        self.result = result
        self.query_one("#progress", ProgressBar).update(total=1, progress=1)
        text = Text()
        if result.skipped_duplicate:
            text.append(f"! Already ingested as batch {result.duplicate_of}: nothing added "
                        "(same content).", style="bold")
        elif result.rows_read and not result.rows_ingested:
            # Nothing landed: not a success, however the batch was stored.
            text.append(f"✗ 0 rows ingested: all {result.rows_rejected} rejected", style="bold")
            text.append(f" · {result.rows_read} read")
        else:
            text.append(f"✓ {result.rows_ingested} rows ingested", style="bold")
            text.append(f" · {result.rows_rejected} rejected · {result.rows_read} read")
        lake = self.query_one("#lake", Input).value
        text.append(f"\ndataset {result.dataset} · batch {result.batch_id} · {lake}")
        # What the batch kept as notes (an archive's skipped members, multi-line JSON under
        # aep…), one line each as the CLI's summary prints them; the summaries quote file names.
        for note in getattr(result, "notes", ())[:NOTES_SHOWN]:
            text.append(f"\n! {note.code}: {_t(note.summary)}")
        self.query_one("#ingest-status", Static).update(text)
        table = self.query_one("#rejects", DataTable)
        table.clear()
        for reject in rejects:
            where = reject.get("line") or reject.get("record") or ""
            reason = str(reject.get("reason", ""))
            detail = str(reject.get("detail") or "")
            # Reasons and raw rows quote the file: Text cells (a str cell is read as markup).
            table.add_row(Text(f"✗ {where}"),
                          Text(_t(f"{reason}: {detail}"[:50] if detail else reason)),
                          Text(_t(str(reject.get("raw") or "")[:60])))

    def action_export(self) -> None:
        """Export the last diagnosis report."""
        report = getattr(self.app, "last_report", None)
        if report is None:
            self.notify("No report to export yet.")
            return
        from .export import ExportScreen

        self.app.push_screen(ExportScreen(report, self.conn.settings if self.conn else None))
