"""The PostgreSQL RowSource: schemas and relations (bounded), a sample of N rows, column types.

Every statement is a constant text with bind parameters. The one statement that must name a
relation (the sample's ``SELECT … FROM schema.table LIMIT $1``) gets its text from the server's own
``format('%I.%I')`` applied to names the catalogue returned — never from the user's input glued into
SQL. Samples run in a READ ONLY transaction with a ``statement_timeout``, read ``LIMIT n + 1`` rows
(to know whether there are more) and never count or scan the table.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ...sources.rows import Column, Relation, RelationListing, RowSample, RowSourceError
from ..database.names import IdentifierError, QualifiedName, close_matches, split_qualified
from ..database.types import platform_type
from .client import message, sqlstate

_KINDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "f": "foreign table"}
_SYSTEM = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"

SCHEMAS_SQL = f"""
SELECT n.nspname FROM pg_namespace n WHERE {_SYSTEM} AND has_schema_privilege(n.oid, 'USAGE')
ORDER BY 1 LIMIT $1"""  # a schema without USAGE is one this user can read nothing in
RELATIONS_SQL = """
SELECT c.relname, c.relkind::text, c.reltuples::bigint FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r','p','v','m','f') ORDER BY 1 LIMIT $2"""
FIND_SQL = """
SELECT n.nspname, c.relname, c.oid, c.relkind::text FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','p','v','m','f') AND c.relname = ANY($2::text[])
  AND (n.nspname = ANY($1::text[]) OR ($1::text[] IS NULL AND n.nspname = ANY(current_schemas(false))))
ORDER BY array_position(current_schemas(false), n.nspname), c.relname = $2[1] DESC LIMIT 1"""
ALL_NAMES_SQL = f"""
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','p','v','m','f') AND {_SYSTEM} LIMIT $1"""
# A domain (information_schema.character_data…) is judged by its base type.
COLUMNS_SQL = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, b.typcategory::text,
       format_type(b.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END)
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"""
SAMPLE_TEXT_SQL = "SELECT format('SELECT * FROM %I.%I LIMIT $1', $1::text, $2::text)"


@dataclass(frozen=True)
class Resolved:
    """A relation the catalogue knows: its exact names, oid and kind."""

    schema: str
    name: str
    oid: int
    kind: str

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def _candidates(part: str, quoted: bool) -> list[str]:
    # PostgreSQL folds unquoted names to lower case; the platform passes names as typed, so both.
    return [part] if quoted else list(dict.fromkeys([part, part.lower()]))


class PostgresSource:
    """RowSource over one asyncpg connection (owned by the caller, closed by the run)."""

    scheme = "postgresql"

    def __init__(self, conn: Any, *, timeout: float = 10.0) -> None:
        self.conn = conn
        self.timeout = timeout

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        try:
            return list(await asyncio.wait_for(self.conn.fetch(sql, *args), self.timeout))
        except TimeoutError:
            raise RowSourceError("timeout", "catalogue", f"no answer within {self.timeout:g} s") from None

    async def relations(self, parent: str | None = None, *, limit: int = 1_000) -> RelationListing:
        """Schemas (``parent`` None) or the tables/views of schema ``parent``; at most ``limit``."""
        if parent is None:
            rows = await self._fetch(SCHEMAS_SQL, limit + 1)
            rels = [Relation(r[0], "schema") for r in rows[:limit]]
        else:
            rows = await self._fetch(RELATIONS_SQL, parent, limit + 1)
            rels = [
                Relation(
                    f"{parent}.{r[0]}",
                    _KINDS.get(r[1], "table"),
                    parent,
                    int(r[2]) if r[2] is not None and r[2] >= 0 else None,
                )
                for r in rows[:limit]
            ]
        return RelationListing(parent, tuple(rels), max(0, len(rows) - limit))

    async def resolve(self, text: str | QualifiedName) -> Resolved | None:
        """The relation ``text`` names (``schema.table``, quoted parts exact), or None."""
        qn = split_qualified(text) if isinstance(text, str) else text
        schemas = _candidates(qn.schema, qn.schema_quoted) if qn.schema else None
        rows = await self._fetch(FIND_SQL, schemas, _candidates(qn.name, qn.name_quoted))
        if not rows:
            return None
        r = rows[0]
        return Resolved(r[0], r[1], int(r[2]), _KINDS.get(r[3], "table"))

    async def close_names(self, text: str, limit: int = 5) -> list[str]:
        """Existing relations whose name is closest to ``text`` (bounded catalogue read)."""
        rows = await self._fetch(ALL_NAMES_SQL, 5000)
        full = [f"{r[0]}.{r[1]}" for r in rows]
        by_name: dict[str, list[str]] = {}
        for r in rows:
            by_name.setdefault(str(r[1]), []).append(f"{r[0]}.{r[1]}")
        found = close_matches(text, full, limit=limit)
        tail = text.rsplit(".", 1)[-1].strip('"')
        for name in close_matches(tail, list(by_name), limit=limit):
            found += [q for q in by_name[name] if q not in found]
        return found[:limit]

    async def columns(self, rel: Resolved) -> list[Column]:
        rows = await self._fetch(COLUMNS_SQL, rel.oid)
        out = []
        for name, type_name, nullable, category, base in rows:
            ptype, note = platform_type(base, category=category)
            out.append(Column(name, type_name, ptype, bool(nullable), note))
        return out

    async def read(self, rel: Resolved, limit: int, *, timeout: float) -> tuple[list[Any], bool]:
        """At most ``limit`` rows (and whether more exist) in a READ ONLY transaction with a
        statement_timeout. Raises asyncpg's errors (the caller classifies them by SQLSTATE)."""
        ms = str(max(1, int(timeout * 1000)))
        async with self.conn.transaction(readonly=True):
            await self.conn.execute("SELECT set_config('statement_timeout', $1, true)", ms)
            query = await self.conn.fetchval(SAMPLE_TEXT_SQL, rel.schema, rel.name)
            rows = await asyncio.wait_for(self.conn.fetch(query, limit + 1), timeout * 1.3 + 0.2)
        return list(rows[:limit]), len(rows) > limit

    async def sample(self, relation: str, *, limit: int) -> RowSample:
        """At most ``limit`` rows of ``relation`` with its columns; raises RowSourceError."""
        try:
            rel = await self.resolve(relation)
        except IdentifierError as exc:
            raise RowSourceError("not_found", relation, f"not a table name: {exc}") from None
        if rel is None:
            near = await self.close_names(relation)
            raise RowSourceError("not_found", relation, "closest: " + ", ".join(near) if near else "")
        cols = await self.columns(rel)
        try:
            rows, more = await self.read(rel, limit, timeout=self.timeout)
        except TimeoutError:
            raise RowSourceError("timeout", relation, f"no rows within {self.timeout:g} s") from None
        except Exception as exc:
            state = sqlstate(exc)
            if state is None:
                raise
            kind = {"42501": "permission_denied", "57014": "timeout", "42P01": "not_found"}.get(state, "io")
            raise RowSourceError(kind, relation, f"{state}: {message(exc)}") from None
        notes = tuple(f"{c.name}: {c.note}" for c in cols if c.note)
        return RowSample(rel.qualified, tuple(cols), tuple(tuple(r.values()) for r in rows), more, notes)
