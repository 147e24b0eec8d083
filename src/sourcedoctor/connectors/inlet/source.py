"""The records file as a RowSource: one relation (the file), its messages flattened to columns.

What the platform stores of a message is its ``body.xdmEntity`` (an XDM envelope) or the raw JSON
(mapped by a dataflow), so that is what the preview shows: nested objects become dotted column
names (``person.name.firstName``) down to :data:`MAX_DEPTH`, lists stay one value (``array``).
Everything comes from the records already read and bounded by the payload layer: no I/O here.
"""

from __future__ import annotations

import re
from typing import Any

from ...sources.rows import (
    Column,
    Relation,
    RelationListing,
    RowSample,
    RowSourceError,
    flatten_json,
    json_kind,
)
from .records import RecordFile, entity

#: Nesting flattened into dotted names; deeper objects stay one ``object`` value.
MAX_DEPTH = 4
#: Columns shown at most (XDM entities can be wide).
MAX_COLUMNS = 200
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def flatten(value: dict[str, Any]) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}`` (to :data:`MAX_DEPTH` levels)."""
    return flatten_json(value, MAX_DEPTH)


def platform_type(values: list[Any]) -> str | None:
    """The XDM type the non-null ``values`` of one column land as (None: no value seen)."""
    kinds: set[str] = set()
    for v in values:
        if v is None:
            continue
        if not isinstance(v, str):
            kinds.add(json_kind(v))
        elif _DATE_TIME.match(v):
            kinds.add("date-time")
        elif _DATE.match(v):
            kinds.add("date")
        else:
            kinds.add("string")
    if not kinds:
        return None
    if len(kinds) == 1:
        return kinds.pop()
    if kinds == {"integer", "number"}:
        return "number"
    if kinds <= {"date", "date-time"}:
        return "date-time"
    return "string"  # mixed scalar kinds: the platform can only take them as text


class RecordSource:
    """The local records file (never the inlet: an inlet cannot be read back)."""

    scheme = "inlet"

    def __init__(self, records: RecordFile, name: str) -> None:
        self.records = records
        self.name = name

    async def relations(self, parent: str | None = None, *, limit: int = 1_000) -> RelationListing:
        rel = Relation(name=self.name, kind="records", parent=None, rows_estimate=self.records.count)
        return RelationListing(parent=parent, relations=(rel,)[:max(limit, 0)])

    async def sample(self, relation: str, *, limit: int) -> RowSample:
        if relation != self.name:
            raise RowSourceError("not_found", relation, f"the records file is {self.name}")
        chosen = self.records.records[:max(limit, 0)]
        flat = [flatten(entity(r)) for r in chosen]
        names: list[str] = []
        seen: set[str] = set()
        for row in flat:
            for key in row:
                if key not in seen and len(names) < MAX_COLUMNS:
                    seen.add(key)
                    names.append(key)
        columns = []
        for name in names:
            values = [row.get(name) for row in flat]
            kind = platform_type(values)
            seen_kinds = sorted({type(v).__name__ for v in values if v is not None})
            columns.append(Column(name=name, type="/".join(seen_kinds) or "null",
                                  platform_type=kind or "string", nullable=any(v is None for v in values),
                                  note=None if kind else "no value in the sample"))
        rows = tuple(tuple(row.get(n) for n in names) for row in flat)
        notes = []
        if any(r.kind == "xdm" for r in chosen):
            notes.append("XDM messages show their body.xdmEntity (what the platform stores).")
        if len(seen) >= MAX_COLUMNS:
            notes.append(f"only the first {MAX_COLUMNS} columns are shown")
        return RowSample(relation=relation, columns=tuple(columns), rows=rows,
                         more=self.records.count > len(chosen), notes=tuple(notes))
