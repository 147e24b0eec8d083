"""Records as the preview shows them: JSON-safe values and the schema inferred from them."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Sequence
from typing import Any

from .model import Column

#: Example values kept per column.
EXAMPLES = 3
#: Longest example string kept (a preview, not a dump).
EXAMPLE_CHARS = 80


def jsonable(value: Any) -> Any:
    """A value DuckDB or json returned, made JSON-serialisable without losing what it says."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        finite = value == value and value not in (float("inf"), float("-inf"))
        return value if finite else str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | dt.timedelta):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def json_type(value: Any) -> str:
    """The DuckDB-style type name of one parsed JSON value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, str):
        return "VARCHAR"
    if isinstance(value, list):
        return "LIST"
    if isinstance(value, dict):
        return "STRUCT"
    return "VARCHAR"


def _merge(a: str, b: str) -> str:
    if a == b or b == "NULL":
        return a
    if a == "NULL":
        return b
    if {a, b} == {"BIGINT", "DOUBLE"}:
        return "DOUBLE"
    return "VARCHAR" if "STRUCT" not in (a, b) and "LIST" not in (a, b) else "JSON"


def _example(value: Any) -> str:
    text = value if isinstance(value, str) else repr(jsonable(value))
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def columns_from_records(records: Sequence[dict[str, Any]],
                         types: dict[str, str] | None = None) -> tuple[Column, ...]:
    """Infer columns from records (first-seen key order). ``types`` overrides inferred types
    (DuckDB already knows them for delimited data and Parquet)."""
    order: dict[str, None] = {}
    inferred: dict[str, str] = {}
    nulls: dict[str, bool] = {}
    examples: dict[str, list[str]] = {}
    for rec in records:
        for key, value in rec.items():
            order.setdefault(key, None)
            inferred[key] = _merge(inferred.get(key, "NULL"), json_type(value))
            if value is None or value == "":
                nulls[key] = True
            elif len(examples.setdefault(key, [])) < EXAMPLES:
                ex = _example(value)
                if ex not in examples[key]:
                    examples[key].append(ex)
    for name in types or {}:
        order.setdefault(name, None)
    out = []
    for name in order:
        missing = any(name not in rec for rec in records)
        out.append(Column(name=name, type=(types or {}).get(name, inferred.get(name, "NULL")),
                          nullable=nulls.get(name, False) or missing or not records,
                          examples=tuple(examples.get(name, []))))
    return tuple(out)
