"""How the platform takes a database column: a server type name → one of ``PLATFORM_TYPES``.

Shared by the database connectors; each passes its server's type name (lower-case, as the catalogue
formats it: ``timestamp with time zone``, ``varchar(20)``, ``int(11) unsigned``) and gets the
platform type, or None with a note when the platform cannot take the column as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ...sources.rows import Column

_INTEGER = {
    "smallint",
    "integer",
    "bigint",
    "int",
    "int2",
    "int4",
    "int8",
    "tinyint",
    "mediumint",
    "smallserial",
    "serial",
    "bigserial",
    "year",
}
_NUMBER = {
    "numeric",
    "decimal",
    "real",
    "double precision",
    "float",
    "double",
    "float4",
    "float8",
    "money",
    "dec",
    "fixed",
}
_STRING = {
    "text",
    "character varying",
    "varchar",
    "character",
    "char",
    "bpchar",
    "name",
    "citext",
    "uuid",
    "xml",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "tinytext",
    "mediumtext",
    "longtext",
    "enum",
    "set",
    "interval",
    "time",
    "time without time zone",
    "time with time zone",
    "timetz",
}
_DATETIME = {
    "timestamp",
    "timestamp without time zone",
    "timestamp with time zone",
    "timestamptz",
    "datetime",
}
_BINARY = {"bytea", "binary", "varbinary", "blob", "tinyblob", "mediumblob", "longblob", "bit varying"}
_OBJECT = {"json", "jsonb"}
_UNSUPPORTED = {
    "point",
    "line",
    "lseg",
    "box",
    "path",
    "polygon",
    "circle",
    "geometry",
    "geography",
    "tsvector",
    "tsquery",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "int4multirange",
    "txid_snapshot",
    "pg_lsn",
    "bit",
    "linestring",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
}
_NOTES = {
    "interval": "taken as text (ISO 8601 duration)",
    "time": "a time of day without date: taken as text",
    "money": "locale-formatted on output: cast to numeric",
}


def base_type(type_name: str) -> str:
    """``varchar(20)`` → ``varchar``; ``int(11) unsigned`` → ``int``; arrays keep their ``[]``."""
    name = type_name.strip().lower()
    name = re.sub(r"\(.*?\)", "", name)
    name = re.sub(r"\s+(unsigned|zerofill|signed)\b", "", name)
    return " ".join(name.split())


def platform_type(type_name: str, *, category: str | None = None) -> tuple[str | None, str | None]:
    """(platform type or None, note). ``category`` is PostgreSQL's typcategory when known
    (A array, C composite, E enum, G geometric, R range, V bit string)."""
    name = base_type(type_name)
    if name.endswith("[]") or category == "A":
        return "array", None
    if category == "E":
        return "string", "enum: taken as its label"
    if category in ("G", "R", "V", "C") or name in _UNSUPPORTED:
        return None, f"{type_name} has no platform type: cast it to text in a view, or leave the column out"
    if name in ("boolean", "bool"):
        return "boolean", None
    if name in _INTEGER:
        return "integer", None
    if name in _NUMBER:
        return "number", _NOTES.get(name)
    if name == "date":
        return "date", None
    if name in _DATETIME:
        return "date-time", None
    if name in _OBJECT:
        return "object", None
    if name in _BINARY:
        return (
            None,
            f"{type_name} is binary: the platform takes no binary column; encode it "
            "(encode(col, 'base64')) in a view",
        )
    if name in _STRING or name.startswith(("time", "character", "varchar", "char")):
        return "string", _NOTES.get(name.split()[0])
    return "string", f"{type_name} is not a common type: taken as text"


def column_mapping(columns: Sequence[Column]) -> tuple[list[dict[str, Any]], list[Column]]:
    """The types layer's facts for both database connectors: each column with its source and
    platform type (and the note, when there is one), and the columns the platform cannot take."""
    mapping = [{"column": c.name, "type": c.type, "platform_type": c.platform_type,
                **({"note": c.note} if c.note else {})} for c in columns]
    return mapping, [c for c in columns if c.platform_type is None]


def unsupported_evidence(bad: Sequence[Column]) -> dict[str, Any]:
    """``db.type_unsupported``'s evidence: every column without a platform type, and why."""
    return {"columns": [{"column": c.name, "type": c.type, "note": c.note} for c in bad]}

