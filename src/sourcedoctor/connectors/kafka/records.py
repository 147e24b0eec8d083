"""Stream records → rows: what a record's value is (JSON, schema-registry framed, text, bytes) and
the table a preview shows (one row per record, the JSON fields as columns).

Shared by the record connectors (Kafka, Kinesis): plain functions over bytes, no client library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ... import safejson
from ...sources.rows import Column, RowProblem, RowSample, flatten_json, json_kind

#: Longest text kept in one cell (a 1 MB value is shown cut, with a note).
CELL_CAP = 10_000
#: Most columns taken from records' JSON fields (the rest are counted in a note).
MAX_COLUMNS = 200
#: Nesting flattened into dotted column names; deeper objects stay one ``object`` column.
FLATTEN_DEPTH = 3


@dataclass(frozen=True)
class Decoded:
    """One record value: ``kind`` is json, framed (schema-registry framed: Confluent's wire
    format), text, binary or null."""

    kind: str
    fields: dict[str, Any] | None = None  # a JSON object's fields, flattened
    text: str | None = None
    schema_id: int | None = None
    size: int = 0
    #: A JSON value that is not an object (an array, a number …): no fields to split.
    scalar: bool = False


#: What each value kind is called in notes and findings.
KIND_WORDS = {"json": "JSON", "framed": "schema-registry framed", "text": "plain text",
              "binary": "binary", "null": "null"}


def confluent_schema_id(value: bytes) -> int | None:
    """The schema id of a value in Confluent's wire format (magic byte 0, 4-byte big-endian id,
    then the Avro/Protobuf/JSON-Schema payload), or None. The bytes cannot tell which of the three
    the payload is: only the schema registry knows."""
    if len(value) >= 5 and value[0] == 0:
        return int.from_bytes(value[1:5], "big")
    return None


def decode_value(value: bytes | None) -> Decoded:
    """What ``value`` is, judged on its bytes."""
    if value is None:
        return Decoded("null")
    size = len(value)
    schema_id = confluent_schema_id(value)
    if schema_id is not None:
        return Decoded("framed", schema_id=schema_id, size=size)
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return Decoded("binary", size=size)
    if "\x00" in text:
        return Decoded("binary", size=size)
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            parsed = safejson.loads(stripped)
        except ValueError:
            pass
        else:
            if isinstance(parsed, dict):
                return Decoded("json", fields=flatten_json(parsed, FLATTEN_DEPTH), text=None, size=size)
            return Decoded("json", fields={"value": parsed}, size=size, scalar=True)
    return Decoded("text", text=text, size=size)


def platform_type(values: Sequence[Any]) -> str:
    """The platform type a column of JSON values lands as (mixed types: string)."""
    kinds = {json_kind(v) for v in values if v is not None}
    if kinds == {"integer", "number"}:
        return "number"
    return kinds.pop() if len(kinds) == 1 else "string"


def _cell(value: Any) -> Any:
    if isinstance(value, str) and len(value) > CELL_CAP:
        return value[:CELL_CAP] + "…"
    return value


def _text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    text = raw.decode("utf-8", errors="replace")
    return text[:CELL_CAP] + "…" if len(text) > CELL_CAP else text


@dataclass(frozen=True)
class StreamRecord:
    """A record as every stream connector hands it over: where it sits, when, key and value."""

    position: dict[str, Any]  # {"partition": 0, "offset": 12} / {"shard": …, "sequence": …}
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None


def framed_text(d: Decoded) -> str:
    """How a schema-registry framed value is shown (its payload is not decoded)."""
    return f"<schema-registry framed (schema id {d.schema_id}), {d.size} bytes>"


def _splits(decoded: Sequence[Decoded]) -> bool:
    """Whether the values are split into JSON-field columns: JSON objects are at least half of
    the values that are not null (the others become rejects, not a reason to keep one column)."""
    objects = sum(d.kind == "json" and not d.scalar for d in decoded)
    present = sum(d.kind != "null" for d in decoded)
    return objects > 0 and 2 * objects >= present


def _problem(index: int, record: StreamRecord, d: Decoded) -> RowProblem:
    """The lake's reject for a record whose value is not a JSON object among JSON objects."""
    if d.kind == "json":
        return RowProblem(index, "not_an_object", "the value is JSON but not an object",
                          _text(record.value) or "")
    raw = framed_text(d) if d.kind == "framed" else (
        f"<{d.size} bytes of binary>" if d.kind == "binary" else _text(record.value) or "")
    return RowProblem(index, "invalid_json", f"the value is {KIND_WORDS[d.kind]}, not JSON", raw)


def records_to_sample(relation: str, records: Sequence[StreamRecord],
                      position_columns: Sequence[Column], *, key_name: str = "key",
                      notes: Sequence[str] = ()) -> RowSample:
    """A table of ``records``: position columns, timestamp, key, then the value — its JSON
    fields as columns when most values are JSON objects (a record that is not one is a
    :class:`RowProblem` the lake rejects), else one ``value`` column. No record: no column (an
    empty topic has no schema to offer)."""
    said = list(notes)
    if not records:
        return RowSample(relation, (), (), None, tuple(said))
    decoded = [decode_value(r.value) for r in records]
    kinds = sorted({d.kind for d in decoded if d.kind != "null"})
    field_names: list[str] = []
    problems: list[RowProblem] = []
    if _splits(decoded):
        for d in decoded:
            if d.kind == "json" and not d.scalar:
                for name in d.fields or {}:
                    if name not in field_names:
                        field_names.append(name)
        if len(field_names) > MAX_COLUMNS:
            said.append(f"{len(field_names) - MAX_COLUMNS} more JSON fields are not shown")
            field_names = field_names[:MAX_COLUMNS]
        problems = [_problem(i, r, d) for i, (r, d) in enumerate(zip(records, decoded, strict=True))
                    if d.kind != "null" and (d.kind != "json" or d.scalar)]
        if problems:
            said.append(f"{len(problems)} of {len(records)} record(s) are not JSON objects "
                        f"(rows {', '.join(str(p.row + 1) for p in problems[:10])}): their "
                        "field cells are empty and the lake rejects them")
    columns = [*position_columns,
               Column("timestamp", "record timestamp", "date-time", True),
               Column(key_name, "bytes", "string", True)]
    rows: list[tuple[Any, ...]] = []
    if field_names:
        for name in field_names:
            values = [(d.fields or {}).get(name) for d in decoded if not d.scalar]
            columns.append(Column(name, "json", platform_type(values), True))
    else:
        readable = kinds in (["text"], [])
        columns.append(Column(
            "value", "bytes" if "binary" in kinds or "framed" in kinds else "text",
            "string" if readable else None, True,
            None if readable else f"{', '.join(KIND_WORDS[k] for k in kinds)} values: the "
            "platform needs JSON objects"))
    for kind in kinds:
        if kind == "framed":
            ids = sorted({d.schema_id for d in decoded if d.schema_id is not None})
            said.append("schema-registry framed values (Confluent wire format: magic byte 0, "
                        f"schema id {', '.join(map(str, ids[:10]))}; the payload may be Avro, "
                        "Protobuf or JSON Schema): decoding needs the schema registry")
        elif kind == "binary":
            said.append("some values are binary (not UTF-8 text)")
    if len(kinds) > 1:
        said.append(f"values mix kinds: {', '.join(KIND_WORDS[k] for k in kinds)}")
    unsplit = {p.row for p in problems}
    for i, (record, d) in enumerate(zip(records, decoded, strict=True)):
        stamp = (datetime.fromtimestamp(record.timestamp_ms / 1000, UTC)
                 if record.timestamp_ms is not None and record.timestamp_ms >= 0 else None)
        head = [*(record.position.get(c.name) for c in position_columns), stamp, _text(record.key)]
        if field_names:
            fields = {} if i in unsplit else (d.fields or {})
            row = [*head, *(_cell(fields.get(n)) for n in field_names)]
        elif d.kind == "framed":
            row = [*head, framed_text(d)]
        elif d.kind == "binary":
            row = [*head, f"<{d.size} bytes of binary>"]
        elif d.kind == "json":  # mixed with other kinds: show the JSON as text
            row = [*head, _text(record.value)]
        else:
            row = [*head, _cell(d.text)]
        rows.append(tuple(row))
    return RowSample(relation, tuple(columns), tuple(rows), None, tuple(said), tuple(problems))


def value_kinds(records: Sequence[StreamRecord]) -> dict[str, int]:
    """How many values of each kind (json, framed, text, binary, null) — a fact for reports."""
    out: dict[str, int] = {}
    for r in records:
        kind = decode_value(r.value).kind
        out[kind] = out.get(kind, 0) + 1
    return out
