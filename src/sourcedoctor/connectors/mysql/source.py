"""RowSource over one MySQL/MariaDB login: databases → tables (bounded), a LIMITed read-only sample.

Relations are named ``database.table``. Every listing asks ``information_schema`` with bound
parameters and a LIMIT; a sample is ``SELECT * FROM `db`.`t` LIMIT n+1`` inside ``START TRANSACTION
READ ONLY`` with the server's statement time limit (MariaDB ``max_statement_time``, MySQL
``MAX_EXECUTION_TIME``) and rolled back — a LIMIT without ORDER BY stops after n+1 rows, so a
10-million-row table samples as fast as a 10-row one. Identifiers cannot be bound parameters in
MySQL: they are checked (:func:`~.settings.identifier_problem`) and quoted with backticks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...sources.rows import Column, Relation, RelationListing, RowSample, RowSourceError
from .client import MysqlSession, ServerFailure, quote_identifier
from .settings import identifier_problem

#: Longest text or bytes value kept per cell in a sample (a LONGBLOB may hold a gigabyte).
CELL_CAP = 64 * 1024
NOT_FOUND = frozenset({1146, 1049})
DENIED = frozenset({1142, 1143, 1044, 1045})
TIMED_OUT = frozenset({1969, 3024, 1317})
#: MariaDB's check on a JSON column: ``json_valid(`doc`)``.
_JSON_VALID = re.compile(r"json_valid\(`((?:[^`]|``)+)`\)", re.IGNORECASE)

_INTEGER = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year"}
_NUMBER = {"decimal", "numeric", "float", "double", "real", "dec", "fixed"}
_STRING = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "uuid",
           "inet4", "inet6"}
_BINARY = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"}
_SPATIAL = {"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
            "multipolygon", "geometrycollection"}


def platform_type(data_type: str, column_type: str) -> tuple[str | None, str | None]:
    """(platform type, note) of a MySQL column: ``tinyint(1)`` is a boolean, spatial and binary
    types have no platform equivalent (the note says how to cast them)."""
    kind = data_type.lower()
    full = column_type.lower()
    if kind == "tinyint" and full.startswith("tinyint(1)"):
        return "boolean", None
    if kind == "bit":
        if full in ("bit(1)", "bit"):
            return "boolean", None
        return None, "bit string: cast with CAST(col AS UNSIGNED)"
    if kind in _INTEGER:
        return "integer", None
    if kind in _NUMBER:
        return "number", None
    if kind in _STRING:
        return "string", None
    if kind == "json":
        return "object", None
    if kind == "date":
        return "date", None
    if kind in ("datetime", "timestamp"):
        return "date-time", None
    if kind == "time":
        return "string", "a time of day (or duration) lands as text"
    if kind in _BINARY:
        return None, "binary data: cast with HEX(col) or TO_BASE64(col)"
    if kind in _SPATIAL:
        return None, "spatial data: cast with ST_AsText(col) (or ST_AsGeoJSON)"
    return None, f"{data_type} has no platform equivalent: cast it to text"


def split_relation(relation: str, default_db: str | None) -> tuple[str, str]:
    """``db.table`` or ``table`` (in ``default_db``) → (db, table); RowSourceError when unusable."""
    db, sep, table = relation.partition(".")
    if not sep:
        db, table = default_db or "", relation
    for part in (db, table):
        problem = identifier_problem(part)
        if problem:
            raise RowSourceError("not_found", relation, f"name {problem}")
    return db, table


def _kind(errno: int) -> str:
    if errno in NOT_FOUND:
        return "not_found"
    if errno in DENIED:
        return "permission_denied"
    if errno in TIMED_OUT:
        return "timeout"
    return "io"


def _as_boolean(value: Any) -> Any:
    """A boolean column's value as the platform takes it: MySQL has no boolean type, so
    ``tinyint(1)`` comes back as 0/1 and ``bit(1)`` as one byte. Any other value (a tinyint(1)
    may hold 2..127) stays as it is, so the lake rejects it instead of guessing."""
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, (bytes, bytearray)) and len(value) == 1 and value[0] in (0, 1):
        return bool(value[0])
    return value


def _capped(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)) and len(value) > CELL_CAP:
        return bytes(value[:CELL_CAP])
    if isinstance(value, str) and len(value) > CELL_CAP:
        return value[:CELL_CAP] + "…"
    return value


@dataclass
class SampleRun:
    """What one sample read: rows and how long the read took (ms)."""

    rows: list[tuple[Any, ...]]
    elapsed_ms: float


class MysqlSource:
    """Lists and samples through a logged-in :class:`MysqlSession`; never writes."""

    scheme = "mysql"

    def __init__(self, session: MysqlSession, database: str | None, *, mariadb: bool,
                 statement_timeout: float) -> None:
        self.session = session
        self.database = database
        self.mariadb = mariadb
        self.statement_timeout = statement_timeout

    async def _query(self, relation: str, sql: str, params: tuple[Any, ...], limit: int
                     ) -> list[tuple[Any, ...]]:
        try:
            rows, _ = await self.session.query(sql, params, limit=limit)
        except ServerFailure as exc:
            raise RowSourceError(_kind(exc.errno), relation, str(exc)) from None
        except TimeoutError:
            raise RowSourceError("timeout", relation, "no answer within the time budget") from None
        return rows

    def bounded(self, select: str) -> str:
        """``select`` (a statement starting with SELECT) under the server's statement time limit.

        The server's limit ends the statement a little before our wait does, so the server stops
        working too and says so (MariaDB 1969, MySQL 3024)."""
        limit_s = max(0.1, self.statement_timeout * 0.8)
        if self.mariadb:
            return f"SET STATEMENT max_statement_time={limit_s:.3f} FOR {select}"
        body = select.removeprefix("SELECT ")
        return f"SELECT /*+ MAX_EXECUTION_TIME({math.ceil(limit_s * 1000)}) */ {body}"

    async def relations(self, parent: str | None = None, *, limit: int = 1_000) -> RelationListing:
        if parent is None:
            # The server's own databases hold no data the platform should read (as PostgreSQL's
            # pg_catalog and information_schema are left out there).
            rows = await self._query("(databases)", "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                                     "WHERE SCHEMA_NAME NOT IN ('information_schema', 'mysql', "
                                     "'performance_schema', 'sys') "
                                     "ORDER BY SCHEMA_NAME LIMIT %s", (limit + 1,), limit + 1)
            found = tuple(Relation(str(r[0]), "database") for r in rows[:limit])
            return RelationListing(None, found, truncated=max(0, len(rows) - limit))
        rows = await self._query(parent, "SELECT TABLE_NAME, TABLE_TYPE, TABLE_ROWS FROM "
                                 "information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                                 "ORDER BY TABLE_NAME LIMIT %s", (parent, limit + 1), limit + 1)
        found = tuple(Relation(f"{parent}.{r[0]}", "view" if "VIEW" in str(r[1]) else "table", parent,
                               int(r[2]) if r[2] is not None else None) for r in rows[:limit])
        return RelationListing(parent, found, truncated=max(0, len(rows) - limit))

    async def columns(self, db: str, table: str) -> list[tuple[Column, dict[str, Any]]]:
        """Each column with its platform type, and the raw facts (key, extra) for later layers."""
        rows = await self._query(f"{db}.{table}", "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, "
                                 "IS_NULLABLE, COLUMN_KEY, EXTRA FROM information_schema.COLUMNS "
                                 "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION "
                                 "LIMIT 10000", (db, table), 10_000)
        longtext = any(str(r[1]).lower() == "longtext" for r in rows)
        json_columns = await self._json_columns(db, table) if self.mariadb and longtext else set()
        out = []
        for name, data_type, column_type, nullable, key, extra in rows:
            if str(name) in json_columns and str(data_type).lower() == "longtext":
                # MariaDB's JSON is LONGTEXT with a json_valid() check: the check says it is JSON.
                data_type = column_type = "json"
            ptype, note = platform_type(str(data_type), str(column_type))
            out.append((Column(str(name), str(column_type), ptype, nullable == "YES", note),
                        {"data_type": str(data_type).lower(), "key": key, "extra": str(extra or "")}))
        return out

    async def _json_columns(self, db: str, table: str) -> set[str]:
        """MariaDB's JSON columns of a table: LONGTEXT with a ``json_valid(col)`` check (MariaDB
        stores JSON so; information_schema says longtext). The checks are read from SHOW CREATE
        TABLE: information_schema.CHECK_CONSTRAINTS hides them from a table-level grant."""
        target = f"{quote_identifier(db)}.{quote_identifier(table)}"
        try:
            rows = await self._query(f"{db}.{table}", f"SHOW CREATE TABLE {target}", (), 1)
        except RowSourceError:
            return set()  # the columns are then text, as information_schema says
        text = str(rows[0][1]) if rows and len(rows[0]) > 1 else ""
        return {m.group(1).replace("``", "`") for m in _JSON_VALID.finditer(text[:1_000_000])}

    async def read(self, db: str, table: str, limit: int,
                   columns: Sequence[Column] = ()) -> SampleRun:
        """At most ``limit`` rows in a read-only transaction with the statement time limit;
        ``columns`` (the table's, in order) turn boolean columns' 0/1 into False/True."""
        import time

        relation = f"{db}.{table}"
        # PyMySQL fills parameters with Python's %-formatting: a '%' in a name must be doubled.
        target = f"{quote_identifier(db)}.{quote_identifier(table)}".replace("%", "%%")
        sql = self.bounded(f"SELECT * FROM {target} LIMIT %s")
        conn = self.session.conn
        booleans = {i for i, c in enumerate(columns) if c.platform_type == "boolean"}

        def work() -> SampleRun:
            t0 = time.monotonic()
            with conn.cursor() as cur:
                cur.execute("START TRANSACTION READ ONLY")
                try:
                    cur.execute(sql, (limit,))
                    rows = [tuple(_as_boolean(v) if i in booleans else _capped(v)
                                  for i, v in enumerate(row)) for row in cur.fetchmany(limit)]
                finally:
                    cur.execute("ROLLBACK")
            return SampleRun(rows, round((time.monotonic() - t0) * 1000, 2))

        try:
            return await self.session.run(work)
        except ServerFailure as exc:
            raise RowSourceError(_kind(exc.errno), relation, str(exc)) from None
        except TimeoutError:
            raise RowSourceError("timeout", relation, "no answer within the time budget") from None

    async def sample(self, relation: str, *, limit: int) -> RowSample:
        db, table = split_relation(relation, self.database)
        columns = [c for c, _ in await self.columns(db, table)]
        run = await self.read(db, table, limit + 1, columns)
        notes = (f"read in {run.elapsed_ms:g} ms with LIMIT {limit + 1} in a read-only transaction",)
        return RowSample(f"{db}.{table}", tuple(columns), tuple(run.rows[:limit]),
                         more=len(run.rows) > limit, notes=notes)
