"""Preview of rows: a RowSource's relations, or a sample of one relation, as the platform sees it.

The file preview decodes bytes; here the source's client already decoded the rows, so the preview
shows what came back: each column's source type and the platform type it lands as (columns the
platform cannot take are flagged), the rows as a bounded table, and the source's notes.

The JSON shape follows the file preview's (:meth:`PreviewResult.to_dict`): ``path``, ``kind``
(``relations`` for a listing, ``relation`` for a sample), ``target``, ``entries``, ``left_out``,
``left_out_at_least``, ``listing_errors``, ``findings`` and ``samples`` — one sample per relation,
with ``path`` (the relation), ``format`` (``rows``), ``columns``, ``rows`` (objects keyed by column
name), ``truncated`` (rows exist beyond the sample) and ``facts``.

Values are made JSON-safe here (dates and times as ISO 8601, decimals as strings so no digit is
lost, bytes as ``\\x``-prefixed hex); text cells for terminals are cut at a width and have their
control characters shown as escapes (:func:`~sourcedoctor.report.escape.for_terminal`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ..model import Finding
from ..report.escape import for_terminal
from ..sources.rows import (
    DEFAULT_RELATION_HINT,
    Relation,
    RelationListing,
    RowSample,
    RowSource,
    relation_hint,
)

if TYPE_CHECKING:
    from rich.console import Console

#: Widest cell in the text table (the JSON output has the full values).
CELL = 40
#: Most bytes of one binary value shown (as hex) in JSON; the rest is counted, not shown.
BYTES_SHOWN = 4096
#: Relations listed by default (a listing is bounded like a folder's).
DEFAULT_LIMIT = 1_000


def json_value(value: Any) -> Any:
    """A client-decoded value as JSON data, without losing what it says.

    Decimal → its exact string; NaN/±Infinity → ``"NaN"``/``"Infinity"`` strings (JSON has no
    such numbers); date/time → ISO 8601; timedelta → seconds; bytes → ``\\x``-hex (first
    :data:`BYTES_SHOWN` bytes, then ``…(+N bytes)``); UUID → its text; dict/list → recursively;
    anything else → ``str(value)``.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value).replace("inf", "Infinity").replace(
            "nan", "NaN")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return iso_duration(value)
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        shown = "\\x" + raw[:BYTES_SHOWN].hex()
        return shown + (f"…(+{len(raw) - BYTES_SHOWN} bytes)" if len(raw) > BYTES_SHOWN else "")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    return str(value)


def iso_duration(delta: timedelta) -> str:
    """An interval as an ISO 8601 duration (``P1DT2H3M4.5S``; negative: ``-P…``)."""
    sign = "-" if delta < timedelta(0) else ""
    delta = abs(delta)
    hours, rest = divmod(delta.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    secs = f"{seconds}.{delta.microseconds:06d}".rstrip("0").rstrip(".") if delta.microseconds \
        else str(seconds)
    clock = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M")) if n)
    clock += f"{secs}S" if seconds or delta.microseconds else ""
    days = f"{delta.days}D" if delta.days else ""
    if not days and not clock:
        return "PT0S"
    return f"{sign}P{days}" + (f"T{clock}" if clock else "")


def cell_text(value: Any, width: int = CELL) -> str:
    """One value as a terminal cell: JSON-safe text, control characters escaped, cut at ``width``
    characters with ``…``. None is an empty cell."""
    if value is None:
        return ""
    data = json_value(value)
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    text = for_terminal(text)
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _row_keys(names: list[str]) -> list[str]:
    """Keys for the rows' JSON objects: the column names, a repeated name as ``name (2)``."""
    seen: dict[str, int] = {}
    keys = []
    for name in names:
        n = seen.get(name, 0) + 1
        seen[name] = n
        keys.append(name if n == 1 else f"{name} ({n})")
    return keys


@dataclass(frozen=True)
class RowColumnView:
    """One column as the preview shows it: source type, platform type, and whether the platform
    can take it (``supported`` False: ``platform_type`` is None and ``note`` says why)."""

    name: str
    type: str
    platform_type: str | None
    nullable: bool | None
    note: str | None

    @property
    def supported(self) -> bool:
        """Whether the platform can take this column as it is."""
        return self.platform_type is not None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "platform_type": self.platform_type,
                "nullable": self.nullable, "supported": self.supported, "note": self.note}


@dataclass(frozen=True)
class RowPreview:
    """A preview of a RowSource: a bounded listing of relations (``kind`` ``relations``) or a
    sample of one relation (``kind`` ``relation``). ``path`` is the relation, or the parent
    listed (``""``: the top level). Shaped like the file preview's PreviewResult."""

    path: str
    kind: str
    target: str
    scheme: str
    relations: tuple[Relation, ...] = ()
    left_out: int = 0
    sample: RowSample | None = None
    findings: tuple[Finding, ...] = ()
    #: How the user names one relation to preview (the source's :func:`relation_hint`).
    relation_hint: str = DEFAULT_RELATION_HINT

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        """Findings of the preview (the connector's layers report theirs in ``check``)."""
        return self.findings

    @property
    def columns(self) -> tuple[RowColumnView, ...]:
        """The sampled relation's columns (empty for a listing)."""
        if self.sample is None:
            return ()
        return tuple(RowColumnView(c.name, c.type, c.platform_type, c.nullable, c.note)
                     for c in self.sample.columns)

    @property
    def unsupported(self) -> tuple[RowColumnView, ...]:
        """Columns the platform cannot take as they are."""
        return tuple(c for c in self.columns if not c.supported)

    def row_dicts(self) -> list[dict[str, Any]]:
        """The sampled rows as JSON objects keyed by column name (values JSON-safe)."""
        if self.sample is None:
            return []
        keys = _row_keys([c.name for c in self.sample.columns])
        return [{k: json_value(v) for k, v in zip(keys, row, strict=False)}
                for row in self.sample.rows]

    def notes(self) -> list[str]:
        """The source's notes, then one per unsupported column the source's notes do not
        already explain."""
        out = list(self.sample.notes) if self.sample is not None else []
        for col in self.unsupported:
            if col.note and any(col.note in note for note in out):
                continue
            out.append(f"column {col.name} ({col.type}) cannot be taken by the platform as it is"
                       + (f": {col.note}" if col.note else ""))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (``preview --format json`` for a row source)."""
        samples = []
        if self.sample is not None:
            s = self.sample
            samples.append({
                "path": s.relation,
                "format": "rows",
                "columns": [c.to_dict() for c in self.columns],
                "rows": self.row_dicts(),
                "truncated": s.more,
                "notes": self.notes(),
                "findings": [],
                "facts": {"source": self.scheme, "rows_sampled": len(s.rows),
                          "unsupported_columns": [c.name for c in self.unsupported]},
            })
        return {
            "path": self.path,
            "kind": self.kind,
            "target": self.target,
            "source": self.scheme,
            "entries": [relation_to_dict(r) for r in self.relations],
            "left_out": self.left_out,
            "left_out_at_least": False,
            "listing_errors": [],
            "findings": [f.to_dict() for f in self.findings],
            "samples": samples,
        }


def relation_to_dict(relation: Relation) -> dict[str, Any]:
    """One listed relation as JSON (the file preview's ``entries`` for a row source)."""
    return {"path": relation.name, "name": relation.name, "kind": relation.kind,
            "parent": relation.parent, "rows_estimate": relation.rows_estimate}


def preview_of_sample(sample: RowSample, *, scheme: str, target: str = "generic") -> RowPreview:
    """A RowPreview of an already taken sample (plain data: no I/O)."""
    return RowPreview(path=sample.relation, kind="relation", target=target, scheme=scheme,
                      sample=sample)


def preview_of_listing(listing: RelationListing, *, scheme: str, target: str = "generic",
                       hint: str = DEFAULT_RELATION_HINT) -> RowPreview:
    """A RowPreview of a bounded relation listing (plain data: no I/O); ``hint`` says how to
    name one of them."""
    return RowPreview(path=listing.parent or "", kind="relations", target=target, scheme=scheme,
                      relations=listing.relations, left_out=listing.truncated,
                      relation_hint=hint)


async def preview_rows(source: RowSource, relation: str | None, *, rows: int = 100,
                       target: str = "generic", limit: int = DEFAULT_LIMIT) -> RowPreview:
    """Sample ``rows`` rows of ``relation``, or, without one, list the source's relations (its
    schemas or topics; each schema's relations one level down). Raises RowSourceError."""
    if relation:
        sample = await source.sample(relation, limit=rows)
        return preview_of_sample(sample, scheme=source.scheme, target=target)
    return preview_of_listing(await list_relations(source, limit=limit), scheme=source.scheme,
                              target=target, hint=relation_hint(source))


async def list_relations(source: RowSource, *, limit: int = DEFAULT_LIMIT) -> RelationListing:
    """The source's relations, at most ``limit`` in all: the top level, with each container
    (a schema, a database) replaced by the relations it holds."""
    top = await source.relations(None, limit=limit)
    found: list[Relation] = []
    left_out = top.truncated
    for rel in top.relations:
        if not rel.is_container:
            found.append(rel)
            continue
        room = limit - len(found)
        if room <= 0:
            left_out += 1
            continue
        inner = await source.relations(rel.name, limit=room)
        found.extend(inner.relations)
        left_out += inner.truncated
    return RelationListing(None, tuple(found[:limit]), left_out + max(len(found) - limit, 0))


def _type_cell(col: RowColumnView) -> str:
    platform = col.platform_type or "UNSUPPORTED"
    return f"{col.type} → {platform}"


def render(result: RowPreview, out: Console, err: Console) -> None:
    """The text form: the rows as a table on ``out`` (the data), the rest on ``err``."""
    from rich.markup import escape
    from rich.table import Table

    def safe(text: object) -> str:
        return escape(for_terminal(text))

    if result.kind == "relations":
        where = result.path or result.scheme
        more = f" (+{result.left_out} not listed)" if result.left_out else ""
        err.print(f"[bold]{safe(where)}[/]: {len(result.relations)} relation(s){more}, "
                  f"target {safe(result.target)}; preview one with {safe(result.relation_hint)}")
        table = Table(title=None)
        for head in ("name", "kind", "parent", "rows (estimate)"):
            table.add_column(head, overflow="fold")
        for r in result.relations:
            table.add_row(safe(r.name), safe(r.kind), safe(r.parent or ""),
                          "" if r.rows_estimate is None else str(r.rows_estimate))
        out.print(table)
        return
    sample = result.sample
    assert sample is not None
    more = {True: ", more rows exist", False: ", the whole relation", None: ""}[sample.more]
    err.print(f"\n[bold]{safe(sample.relation)}[/]  {result.scheme} · {len(sample.rows)} row(s)"
              f"{more} · {len(sample.columns)} column(s) · target {safe(result.target)}")
    for col in result.columns:
        mark = "[green]✓[/]" if col.supported else "[red]✗[/]"
        err.print(f"  {mark} [bold]{safe(col.name)}[/] {safe(_type_cell(col))}"
                  + (f" — {safe(col.note)}" if col.note else ""))
    explained = [c.note for c in result.columns if c.note]
    for note in result.notes():  # a column's note was printed with the column already
        if not any(e in note for e in explained):
            err.print(f"  [cyan]i[/] {safe(note)}")
    table = Table(title=f"{safe(sample.relation)} — {len(sample.rows)} row(s)",
                  title_justify="left")
    for col in result.columns:
        flag = "" if col.supported else " [red]unsupported[/]"
        table.add_column(f"{safe(col.name)}\n[dim]{safe(_type_cell(col))}[/]{flag}",
                         overflow="fold")
    for row in sample.rows:
        table.add_row(*(escape(cell_text(v)) for v in row))
    out.print(table)
