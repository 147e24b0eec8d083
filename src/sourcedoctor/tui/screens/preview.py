"""Preview: what the sniffer found (format, encoding, dialect), the first rows, the schema.

Names, headers and cells are the file's own text: shown through ``for_terminal`` in ``Text``
objects (never markup), so escape sequences and ``[bold]`` in a file stay visible text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...model import Finding
from ...preview.model import SampleResult
from ...report.escape import for_terminal as _t
from ...sources.base import FileEntry
from ...targets import get_target
from ..lazy_engine import engine_module
from ..messages import ConnectionTarget, SampleReady

CELL_WIDTH = 24  # characters of one cell; the report keeps full values


def sniff_text(sample: SampleResult) -> Text:
    """Two lines: format/encoding/dialect with confidences, then size and what was read."""
    conf = sample.confidence

    def pct(key: str) -> str:
        return f" ({conf[key]:.0%})" if key in conf else ""

    text = Text()
    text.append(f"Format {_t(sample.format)}{pct('format')}", style="bold")
    if sample.compression:
        text.append(f" · {_t(sample.compression)}")
    text.append(f" · encoding {_t(sample.encoding or '?')}{pct('encoding')}")
    if sample.bom:
        text.append(" (BOM)")
    if sample.dialect is not None:
        d = sample.dialect
        text.append(f" · delimiter {d.delimiter!r}{pct('dialect')} · header "
                    f"{'yes' if d.header else 'no'}{pct('header')}")
    text.append(f"\n{len(sample.rows)} rows shown · {sample.bytes_read} bytes read"
                + (" (head only)" if sample.truncated else ""), style="dim")
    return text


def first_data_line(sample: SampleResult) -> int:
    """File line of the first row (after skipped lines and the header)."""
    d = sample.dialect
    return 1 + (d.skip_rows if d else 0) + (1 if d is not None and d.header else 0)


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    text = _t(text)
    return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 1] + "…"


def schema_text(sample: SampleResult) -> Text:
    """Column name, type, nullability and an example, one block per column."""
    text = Text()
    text.append("Schema\n", style="bold underline")
    if not sample.columns:
        text.append("no columns inferred\n", style="dim")
    for col in sample.columns:
        text.append(_t(col.name), style="bold")
        text.append(f"  {_t(col.type)}{'' if col.nullable else ' not null'}\n")
        if col.examples:
            text.append(f"  e.g. {_cell(col.examples[0])}\n", style="dim")
    return text


def problems_text(sample: SampleResult, refused: Sequence[Finding] = ()) -> Text:
    """Findings and row problems (``✗ line 7: …``), or a line saying there are none.

    ``refused``: what stops the lake from ingesting the file (a UTF-16 CSV under the generic
    target: the target reads it, the lake does not — :func:`lake_refusals`), shown with its fix
    so ``i`` is not the first place a user learns it."""
    text = Text()
    for f in sample.findings:
        symbol = "✗" if f.severity.label in ("fail", "error") else "!"
        text.append(f"{symbol} {_t(f.code)}: {_t(f.summary)}\n")
    shown = {id(f) for f in sample.findings}
    for f in (f for f in refused if id(f) not in shown):
        text.append(f"✗ cannot ingest: {_t(f.code)}: {_t(f.summary)}\n")
        for step in f.fix:
            text.append(f"  → {_t(step)}\n")
    for p in sample.problems[:50]:
        text.append(f"✗ line {p.line}: {_t(p.reason)}\n")
    if len(sample.problems) > 50:
        text.append(f"… {len(sample.problems) - 50} more problems\n")
    if not text.plain:
        text.append("✓ No problems in the sample.")
    return text


def lake_refusals(sample: SampleResult) -> list[Finding]:
    """The findings that make ``sourcedoctor ingest`` refuse this file (lake/readable.py: the
    same rule). Imports the lake (DuckDB): call it from a worker, never the UI thread."""
    from ...lake.readable import blocking_findings, is_archive

    shown = {id(f) for f in sample.findings}
    return [] if is_archive(sample) else [f for f in blocking_findings(sample) if id(f) not in shown]


class PreviewScreen(Screen[None]):
    """Samples one file (in a worker) and shows it; ``sample`` given shows it without sampling."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("i", "ingest", "Ingest batch"),
    ]

    def __init__(self, source: Any, entry: FileEntry, conn: ConnectionTarget | None,
                 sample: SampleResult | None = None, *, folder: str | None = None) -> None:
        super().__init__()
        self.source = source
        self.entry = entry
        self.conn = conn
        self.sample = sample
        #: The folder the connection's URL names (see ``IngestScreen``).
        self.folder = folder

    def title_text(self) -> Text:
        """The screen's title line (the file's path; the relation for rows)."""
        return Text(f"Preview · {_t(self.entry.path)}")

    def compose(self) -> ComposeResult:
        yield Static(self.title_text(), id="title")
        yield Static("Sampling the head of the file…", id="sniff")
        with Horizontal(id="preview-body"):
            yield DataTable(id="rows", zebra_stripes=True, cursor_type="row")
            with VerticalScroll(id="schema"):
                yield Static("", id="schema-text")
        with VerticalScroll(id="problems"):
            yield Static("", id="problems-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        if self.sample is not None:
            self._show(self.sample)
        else:
            self._sample()

    @work(exclusive=True, group="sample")
    async def _sample(self) -> None:
        await engine_module("preview")  # a first import must not block the event loop
        from ...preview import sample_file

        target = self.conn.target if self.conn else "generic"
        try:
            result = await sample_file(self.source, self.entry, target=get_target(target),
                                       rows=100)
        except Exception as exc:  # a read error or a sniffer bug: one line, the app stays up
            self.post_message(SampleReady(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(SampleReady(result))

    def on_sample_ready(self, message: SampleReady) -> None:
        if message.sample is None:
            self.query_one("#sniff", Static).update(Text(f"✗ Cannot preview: {_t(message.reason)}"))
            return
        self._show(message.sample)

    def _show(self, sample: SampleResult) -> None:
        self.sample = sample
        self.query_one("#sniff", Static).update(sniff_text(sample))
        self.query_one("#schema-text", Static).update(schema_text(sample))
        self.query_one("#problems-text", Static).update(problems_text(sample))
        self._judge_for_lake(sample)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        names = [c.name for c in sample.columns] or (list(sample.rows[0]) if sample.rows else [])
        table.add_column("line", key="line")
        for name in names:
            table.add_column(Text(_t(name)), key=name)
        bad_lines = {p.line for p in sample.problems}
        first = first_data_line(sample)
        for index, row in enumerate(sample.rows):
            line = first + index
            bad = line in bad_lines
            style = "reverse" if bad else ""
            marker = Text(f"{'✗' if bad else ' '}{line}", style=style)
            cells = [Text(_cell(row.get(n, "")), style=style) for n in names]
            table.add_row(marker, *cells, key=str(index))

    @work(exclusive=True, group="lake-judge")
    async def _judge_for_lake(self, sample: SampleResult) -> None:
        """Add what the lake would refuse to the problems (the lake loads in a thread)."""
        await engine_module("lake")
        refused = lake_refusals(sample)
        if refused and self.sample is sample:
            self.query_one("#problems-text", Static).update(problems_text(sample, refused))

    def action_ingest(self) -> None:
        """Ingest a preview batch of this file into the local lake."""
        if self.sample is None:
            self.notify("Wait for the sample first.")
            return
        from .ingest import IngestScreen

        self.app.push_screen(IngestScreen(self.source, self.entry, self.sample, self.conn,
                                          folder=self.folder))
