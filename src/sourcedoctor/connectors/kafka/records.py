"""Stream records → rows: what a record's value is (JSON, Confluent-framed Avro, text, bytes) and
the table a preview shows (one row per record, the JSON fields as columns).

Shared by the record connectors (Kafka, Kinesis): plain functions over bytes, no client library.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ...sources.rows import Column, RowSample

#: Longest text kept in one cell (a 1 MB value is shown cut, with a note).
CELL_CAP = 10_000
#: Most columns taken from records' JSON fields (the rest are counted in a note).
MAX_COLUMNS = 200
#: Nesting flattened into dotted column names; deeper objects stay one ``object`` column.
FLATTEN_DEPTH = 3


@dataclass(frozen=True)
class Decoded:
    """One record value: ``kind`` is json, avro (Confluent wire format), text, binary or null."""

    kind: str
    fields: dict[str, Any] | None = None  # a JSON object's fields, flattened
    text: str | None = None
    schema_id: int | None = None
    size: int = 0


def confluent_schema_id(value: bytes) -> int | None:
    """The schema id of a value in Confluent's wire format (magic byte 0, 4-byte big-endian id,
    then the Avro/Protobuf/JSON-Schema payload), or None."""
    if len(value) >= 5 and value[0] == 0:
        return int.from_bytes(value[1:5], "big")
    return None


def _flatten(obj: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, val in obj.items():
        name = f"{prefix}{key}"
        if isinstance(val, dict) and val and depth + 1 < FLATTEN_DEPTH:
            out.update(_flatten(val, name + ".", depth + 1))
        else:
            out[name] = val
    return out


def decode_value(value: bytes | None) -> Decoded:
    """What ``value`` is, judged on its bytes."""
    if value is None:
        return Decoded("null")
    size = len(value)
    schema_id = confluent_schema_id(value)
    if schema_id is not None:
        return Decoded("avro", schema_id=schema_id, size=size)
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return Decoded("binary", size=size)
    if "\x00" in text:
        return Decoded("binary", size=size)
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            pass
        else:
            if isinstance(parsed, dict):
                return Decoded("json", fields=_flatten(parsed), text=None, size=size)
            return Decoded("json", fields={"value": parsed}, size=size)
    return Decoded("text", text=text, size=size)


def platform_type(values: Sequence[Any]) -> str:
    """The platform type a column of JSON values lands as (mixed types: string)."""
    kinds = set()
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            kinds.add("boolean")
        elif isinstance(v, int):
            kinds.add("integer")
        elif isinstance(v, float):
            kinds.add("number")
        elif isinstance(v, dict):
            kinds.add("object")
        elif isinstance(v, list):
            kinds.add("array")
        else:
            kinds.add("string")
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


def records_to_sample(relation: str, records: Sequence[StreamRecord],
                      position_columns: Sequence[Column], *, key_name: str = "key",
                      notes: Sequence[str] = ()) -> RowSample:
    """A table of ``records``: position columns, timestamp, key, then the value — its JSON
    fields as columns when values are JSON objects, else one ``value`` column."""
    decoded = [decode_value(r.value) for r in records]
    kinds = sorted({d.kind for d in decoded if d.kind != "null"})
    said = list(notes)
    field_names: list[str] = []
    if kinds == ["json"]:
        for d in decoded:
            for name in d.fields or {}:
                if name not in field_names:
                    field_names.append(name)
        if len(field_names) > MAX_COLUMNS:
            said.append(f"{len(field_names) - MAX_COLUMNS} more JSON fields are not shown")
            field_names = field_names[:MAX_COLUMNS]
    columns = [*position_columns,
               Column("timestamp", "record timestamp", "date-time", True),
               Column(key_name, "bytes", "string", True)]
    rows: list[tuple[Any, ...]] = []
    if field_names:
        for name in field_names:
            values = [(d.fields or {}).get(name) for d in decoded]
            columns.append(Column(name, "json", platform_type(values), True))
    else:
        columns.append(Column("value", "bytes" if "binary" in kinds or "avro" in kinds else "text",
                              "string" if kinds in (["text"], []) else None, True,
                              None if kinds in (["text"], []) else
                              "binary or schema-framed values: the platform needs JSON"))
    for kind in kinds:
        if kind == "avro":
            ids = sorted({d.schema_id for d in decoded if d.schema_id is not None})
            said.append("Avro (Confluent wire format: magic byte 0, schema id "
                        f"{', '.join(map(str, ids[:10]))}): decoding needs the schema registry")
        elif kind == "binary":
            said.append("some values are binary (not UTF-8 text)")
    if len(kinds) > 1:
        said.append(f"values mix kinds: {', '.join(kinds)}")
    for record, d in zip(records, decoded, strict=True):
        stamp = (datetime.fromtimestamp(record.timestamp_ms / 1000, UTC)
                 if record.timestamp_ms is not None and record.timestamp_ms >= 0 else None)
        head = [*(record.position.get(c.name) for c in position_columns), stamp, _text(record.key)]
        if field_names:
            row = [*head, *(_cell((d.fields or {}).get(n)) for n in field_names)]
        elif d.kind == "avro":
            row = [*head, f"<avro schema {d.schema_id}, {d.size} bytes>"]
        elif d.kind == "binary":
            row = [*head, f"<{d.size} bytes of binary>"]
        elif d.kind == "json":  # mixed with other kinds: show the JSON as text
            row = [*head, _text(record.value)]
        else:
            row = [*head, _cell(d.text)]
        rows.append(tuple(row))
    return RowSample(relation, tuple(columns), tuple(rows), None, tuple(said))


def value_kinds(records: Sequence[StreamRecord]) -> dict[str, int]:
    """How many values of each kind (json, avro, text, binary, null) — a fact for reports."""
    out: dict[str, int] = {}
    for r in records:
        kind = decode_value(r.value).kind
        out[kind] = out.get(kind, 0) + 1
    return out
