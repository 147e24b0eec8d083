"""Preview and ingest of one relation of a RowSource (a table, a view, a topic).

The file screens' layout, bindings and ingest form are reused (subclasses of
:class:`~.preview.PreviewScreen` and :class:`~.ingest.IngestScreen`); only what differs is here:
sampling through ``RowSource.sample``, the column list with source and platform types, and an
ingest that samples the relation again with the form's row count.

Cells, names and notes come from the source: shown through ``for_terminal`` in ``Text`` objects.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.widgets import DataTable, Static

from ...preview.rows import RowPreview, cell_text, preview_of_sample
from ...report.escape import for_terminal as _t
from ...sources.rows import RowSample, RowSource
from ..messages import ConnectionTarget, SampleReady
from .ingest import IngestScreen
from .preview import CELL_WIDTH, PreviewScreen

#: Rows sampled for the preview (the ingest form asks for its own count).
PREVIEW_ROWS = 100


def sniff_text(preview: RowPreview) -> Text:
    """Two lines: source, relation and column count; then rows shown and whether more exist."""
    sample = preview.sample
    assert sample is not None
    text = Text()
    text.append(f"Rows of {_t(sample.relation)}", style="bold")
    text.append(f" · {_t(preview.scheme)} · {len(sample.columns)} columns")
    if preview.unsupported:
        text.append(f" · {len(preview.unsupported)} the platform cannot take", style="bold")
    more = {True: " · more rows exist", False: " · the whole relation", None: ""}[sample.more]
    text.append(f"\n{len(sample.rows)} rows shown{more}", style="dim")
    return text


def schema_text(preview: RowPreview) -> Text:
    """Each column: name, the source's type → the platform's type, or why it cannot be taken."""
    text = Text()
    text.append("Columns\n", style="bold underline")
    for col in preview.columns:
        text.append(_t(col.name), style="bold")
        text.append(f"  {_t(col.type)} → {_t(col.platform_type or 'unsupported')}"
                    f"{' not null' if col.nullable is False else ''}\n")
        if col.note:
            text.append(f"  {_t(col.note)}\n", style="dim")
    return text


def notes_text(preview: RowPreview) -> Text:
    """The source's notes and the unsupported columns, or a line saying there is nothing."""
    text = Text()
    for col in preview.unsupported:
        text.append(f"✗ {_t(col.name)} ({_t(col.type)}): the platform cannot take it"
                    + (f" — {_t(col.note)}" if col.note else "") + "\n")
    for note in preview.sample.notes if preview.sample is not None else ():
        text.append(f"i {_t(note)}\n")
    if not text.plain:
        text.append("✓ Every column has a platform type.")
    return text


def suggested_dataset(relation: str) -> str:
    """A dataset name from a relation's last part (``public.orders`` → ``orders``)."""
    last = relation.rsplit(".", 1)[-1].lower()
    name = re.sub(r"[^a-z0-9_]+", "_", last).strip("_")
    return name if name and not name[0].isdigit() else f"t_{name}" if name else "dataset"


class RowPreviewScreen(PreviewScreen):
    """Samples one relation (in a worker) and shows its rows and column types; ``sample`` given
    shows it without sampling."""

    def __init__(self, source: RowSource | None, relation: str, conn: ConnectionTarget | None,
                 sample: RowSample | None = None) -> None:
        # The file screen's on_mount shows ``sample`` or starts ``_sample``; both are overridden
        # here (overriding the handlers instead would run the base class's as well).
        super().__init__(source, None, conn, sample)  # type: ignore[arg-type]  # a relation
        self.relation = relation
        self.row_sample = sample
        self.preview: RowPreview | None = None

    def title_text(self) -> Text:
        return Text(f"Preview · {_t(self.relation)}")

    @work(exclusive=True, group="sample")
    async def _sample(self) -> None:
        self.query_one("#sniff", Static).update(Text(f"Sampling {_t(self.relation)}…"))
        try:
            result = await self.source.sample(self.relation, limit=PREVIEW_ROWS)
        except Exception as exc:  # RowSourceError or a client error: one line, the app stays up
            self.post_message(SampleReady(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(SampleReady(result))

    def _show(self, sample: Any) -> None:
        self.row_sample = sample
        scheme = getattr(self.source, "scheme", "rows")
        target = self.conn.target if self.conn else "generic"
        preview = self.preview = preview_of_sample(sample, scheme=scheme, target=target)
        self.query_one("#sniff", Static).update(sniff_text(preview))
        self.query_one("#schema-text", Static).update(schema_text(preview))
        self.query_one("#problems-text", Static).update(notes_text(preview))
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("#", key="#")
        for index, col in enumerate(sample.columns):
            mark = "" if col.platform_type is not None else " ✗"
            table.add_column(Text(_t(col.name) + mark), key=f"c{index}")
        for index, row in enumerate(sample.rows):
            table.add_row(Text(str(index + 1)),
                          *(Text(cell_text(v, CELL_WIDTH)) for v in row), key=str(index))

    def action_ingest(self) -> None:
        """Ingest a batch of this relation's rows into the local lake."""
        if self.row_sample is None:
            self.notify("Wait for the sample first.")
            return
        self.app.push_screen(RowIngestScreen(self.source, self.relation, self.row_sample,
                                             self.conn))


class RowIngestScreen(IngestScreen):
    """The ingest form for a relation: the batch is sampled again with the form's row count
    and landed by ``Lake.ingest_rows`` (types from the platform types, rejects with reasons)."""

    def __init__(self, source: RowSource | None, relation: str, sample: RowSample,
                 conn: ConnectionTarget | None, lake_path: Path | None = None) -> None:
        super().__init__(source, None, None, conn, lake_path)  # type: ignore[arg-type]  # rows
        self.relation = relation
        self.row_sample = sample

    def source_name(self) -> str:
        return self.relation

    def suggested_dataset(self) -> str:
        return suggested_dataset(self.relation)

    async def run_ingest(self, lake: Any, dataset: str, rows: int, mapping: Any,
                         progress: Any, label: str | None) -> Any:
        from ...lake.rows import ingest_from_row_source

        return await ingest_from_row_source(
            lake, self.source, self.relation, dataset, rows=rows, mapping=mapping,
            progress=progress, source_label=label)
