"""The optional mapping file: rename, cast, drop, constant columns, one identity column.

TOML or JSON, same keys::

    identity = "email"                    # an output column; rows where it is empty are rejected
    drop = ["internal_note"]              # source columns not kept
    [rename]                              # source column -> output name
    "E-Mail" = "email"
    [cast]                                # source column -> DuckDB type (TRY_CAST)
    amount = "DECIMAL(10,2)"
    [constants]                           # output column -> value, the same on every row
    source_system = "crm"

Source columns may be named as in the file's header or by their normalised lake name.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..duckdb_connect import connect_duckdb
from ..userfiles import MAPPING_LIMIT, UserFileError, read_user_file
from .errors import LakeError
from .names import RESERVED_PREFIX, normalise_name

_KEYS = {"identity", "drop", "rename", "cast", "constants"}


@dataclass(frozen=True)
class Mapping:
    """How source columns become dataset columns. The empty Mapping keeps everything as read."""

    rename: dict[str, str] = field(default_factory=dict)
    cast: dict[str, str] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    constants: dict[str, Any] = field(default_factory=dict)
    identity: str | None = None

    def canonical(self) -> str:
        """A stable JSON text of the mapping (part of the content hash, stored per dataset)."""
        return json.dumps(
            {
                "rename": dict(sorted(self.rename.items())),
                "cast": dict(sorted(self.cast.items())),
                "drop": sorted(self.drop),
                "constants": dict(sorted(self.constants.items())),
                "identity": self.identity,
            },
            sort_keys=True,
            default=str,
        )

    @property
    def is_empty(self) -> bool:
        return not (self.rename or self.cast or self.drop or self.constants or self.identity)


#: What a DuckDB type name looks like: words, optional (precision, scale), optional [] — so a
#: mapping file can never smuggle SQL into the statement that checks it.
_TYPE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_ ]{0,40}(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?")


def _check_type(key: str, type_name: str) -> str:
    """Validate a DuckDB type name without touching any lake."""
    if not _TYPE_NAME.fullmatch(type_name.strip()):
        raise LakeError(f"map.cast.{key}", f"{type_name!r} is not a DuckDB type name "
                        "(e.g. BIGINT, DOUBLE, DATE, DECIMAL(10,2))")
    try:
        con = connect_duckdb()
        try:
            con.execute(f"SELECT CAST(NULL AS {type_name})")
        finally:
            con.close()
    except duckdb.Error:
        raise LakeError(
            f"map.cast.{key}", f"{type_name!r} is not a DuckDB type (e.g. BIGINT, DOUBLE, DATE)"
        ) from None
    return type_name


def _str_dict(data: Any, key: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise LakeError(f"map.{key}", "must be a table/object of name = value")
    return {str(k): v for k, v in data.items()}


def mapping_from_dict(data: dict[str, Any]) -> Mapping:
    """Validate a parsed mapping; errors name the offending key (``map.cast.amount``)."""
    unknown = set(data) - _KEYS
    if unknown:
        raise LakeError(f"map.{sorted(unknown)[0]}", f"unknown key; use {', '.join(sorted(_KEYS))}")
    rename = {k: normalise_name(str(v)) for k, v in _str_dict(data.get("rename"), "rename").items()}
    cast = {k: _check_type(k, str(v)) for k, v in _str_dict(data.get("cast"), "cast").items()}
    constants: dict[str, Any] = {}
    for k, v in _str_dict(data.get("constants"), "constants").items():
        if not isinstance(v, str | int | float | bool):
            raise LakeError(f"map.constants.{k}", "must be a string, number or boolean")
        constants[normalise_name(k)] = v
    drop = data.get("drop") or []
    if not isinstance(drop, list) or not all(isinstance(d, str) for d in drop):
        raise LakeError("map.drop", "must be a list of column names")
    identity = data.get("identity")
    if identity is not None and not isinstance(identity, str):
        raise LakeError("map.identity", "must be one column name")
    for name in [*rename.values(), *constants]:
        if name.startswith(RESERVED_PREFIX):
            raise LakeError("map", f"{name}: names starting with {RESERVED_PREFIX} are reserved")
    return Mapping(
        rename=rename,
        cast=cast,
        drop=tuple(drop),
        constants=constants,
        identity=normalise_name(identity) if identity else None,
    )


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file (``.toml`` or ``.json``; other names are tried as TOML then JSON)."""
    p = Path(path)
    try:
        raw = read_user_file(p, "map", limit=MAPPING_LIMIT, what="a mapping file",
                             fix="give a .toml or .json mapping file")
    except UserFileError as exc:
        raise LakeError(exc.field, exc.message) from None
    text = raw.decode("utf-8", errors="replace")
    data: Any
    if p.suffix.lower() == ".json":
        parsers: tuple[str, ...] = ("json",)
    elif p.suffix.lower() == ".toml":
        parsers = ("toml",)
    else:
        parsers = ("toml", "json")
    problem = ""
    for kind in parsers:
        try:
            data = tomllib.loads(text) if kind == "toml" else json.loads(text)
            break
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            problem = f"{kind.upper()} error: {exc}"
        except RecursionError:
            problem = f"{kind.upper()} nested too deeply for a mapping"
    else:
        raise LakeError("map", f"{path} is not valid ({problem}); fix the file")
    if not isinstance(data, dict):
        raise LakeError("map", f"{path} must hold a table/object at the top level")
    return mapping_from_dict(data)
