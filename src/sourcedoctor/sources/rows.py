"""The RowSource protocol: what preview and ingest need from a source of rows — a database's tables
and views, a stream's topic or shard — and the plain data it returns.

A FileSource hands out bytes that the preview engine decodes; a RowSource hands out typed rows
already decoded by the source's own client. Every call is bounded: a listing keeps at most
``limit`` relations, a sample at most ``limit`` rows, and a source never scans a whole relation
(a 10-million-row table samples as fast as a 10-row one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

#: The platform's column types a source column can land as (XDM's scalar and container types).
PLATFORM_TYPES = ("string", "integer", "number", "boolean", "date", "date-time", "object", "array")


def flatten_json(value: dict[str, Any], max_depth: int, prefix: str = "",
                 depth: int = 0) -> dict[str, Any]:
    """A JSON record's columns: ``{"a": {"b": 1}}`` → ``{"a.b": 1}``, nested objects opened up to
    ``max_depth`` levels (deeper ones stay one ``object`` column)."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and item and depth + 1 < max_depth:
            out.update(flatten_json(item, max_depth, name + ".", depth + 1))
        else:
            out[name] = item
    return out


def json_kind(value: Any) -> str:
    """The platform type one decoded JSON value is (a string stays "string": telling dates
    inside strings apart is each source's own rule)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"

#: Relation kinds that hold other relations rather than rows (``relations(parent=name)`` lists
#: them); the browser expands them, preview and ingest take only the others.
CONTAINER_KINDS = frozenset({"schema", "database", "catalog", "namespace"})


@dataclass(frozen=True)
class Column:
    """One column as the source declares it and as the platform will take it.

    ``type`` is the source's own type name (``timestamp with time zone``, ``varchar(20)``);
    ``platform_type`` one of :data:`PLATFORM_TYPES`, or None when the platform cannot take the
    column (``note`` then says why and what to do).
    """

    name: str
    type: str
    platform_type: str | None
    nullable: bool | None = None
    note: str | None = None


@dataclass(frozen=True)
class Relation:
    """Something rows can be sampled from. ``name`` is what :meth:`RowSource.sample` takes
    (``public.orders``, a topic name); ``kind`` is ``table``, ``view``, ``topic``, ``stream`` …;
    ``parent`` the schema or database holding it."""

    name: str
    kind: str
    parent: str | None = None
    rows_estimate: int | None = None

    @property
    def is_container(self) -> bool:
        """Whether this holds relations (a schema, a database) rather than rows."""
        return self.kind in CONTAINER_KINDS


@dataclass(frozen=True)
class RelationListing:
    """A bounded listing of relations: ``truncated`` counts those seen beyond the cap."""

    parent: str | None
    relations: tuple[Relation, ...]
    truncated: int = 0


@dataclass(frozen=True)
class RowProblem:
    """A sampled row the source could not split into the sample's columns (a stream record whose
    value is not a JSON object while the others are): the lake rejects it with ``reason``
    (``invalid_json``, ``not_an_object``), ``detail`` says why, ``raw`` is the record as text."""

    row: int  # 0-based index into RowSample.rows
    reason: str
    detail: str
    raw: str


@dataclass(frozen=True)
class RowSample:
    """At most N rows of one relation, in the source's order.

    ``rows`` hold Python values as the client decoded them (str, int, float, Decimal, bool,
    None, date, datetime, bytes, dict, list); ``more`` says whether rows exist beyond the sample
    (None: unknown — a stream has no end). ``notes`` are plain sentences for the reader.
    """

    relation: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    more: bool | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Rows that do not fit the columns (see :class:`RowProblem`); their cells are None.
    problems: tuple[RowProblem, ...] = field(default_factory=tuple)


#: How a user names the relation to preview or ingest when the source says nothing else (a
#: database's table).
DEFAULT_RELATION_HINT = "?table=SCHEMA.TABLE in the URL, or --table NAME"


def relation_hint(source: object) -> str:
    """How the user names one relation of ``source`` (its optional ``relation_hint`` attribute:
    a topic in the URL's path, a stream as the URL's host …), for hints that say what to type."""
    return str(getattr(source, "relation_hint", DEFAULT_RELATION_HINT))


class RowSourceError(Exception):
    """A listing or sampling failure, classified like :class:`~.base.SourceError`: ``kind`` is one
    of not_found, permission_denied, timeout, io; ``detail`` is the server's words."""

    def __init__(self, kind: str, relation: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {relation}" + (f" ({detail})" if detail else ""))
        self.kind = kind
        self.relation = relation
        self.detail = detail


@runtime_checkable
class RowSource(Protocol):
    """What preview, ingest and the app's browser need from any place that holds rows."""

    #: Short name for messages and reports ("postgresql", "mysql", "kafka" …).
    scheme: str
    # Optional (not part of the protocol check): ``relation_hint``, how a user names one
    # relation (see :func:`relation_hint`).

    async def relations(self, parent: str | None = None, *, limit: int = 1_000) -> RelationListing:
        """Schemas (``parent`` None) or the relations of one schema, never more than ``limit``."""
        ...

    async def sample(self, relation: str, *, limit: int) -> RowSample:
        """At most ``limit`` rows of ``relation`` with its columns; raises RowSourceError."""
        ...
