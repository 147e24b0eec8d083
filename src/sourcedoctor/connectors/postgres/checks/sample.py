"""Layers 9-11 — sample (a few rows, read-only, bounded in time), types (how the platform takes each
column) and, for the ``aep`` target, the delta column incremental loads need."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ....sources.rows import Column
from ...database.types import base_type, column_mapping, unsupported_evidence
from ..client import message, sqlstate
from ..settings import PostgresSettings
from ..source import Resolved
from ..state import PostgresState

DELTA_SQL = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod),
       a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%',
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indkey[0] = a.attnum)
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"""
DDL_SQL = """
SELECT format('ALTER TABLE %I.%I ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();',
              $1::text, $2::text),
       format('CREATE INDEX ON %I.%I (%I);', $1::text, $2::text, $3::text)"""
_TIME = ("timestamp", "date")
_PREFERRED = ("updated_at", "modified_at", "last_modified", "updated", "modified", "changed_at")


def _resolved(st: PostgresState) -> Resolved:
    assert st.relation is not None
    schema, name, oid, kind = st.relation
    return Resolved(schema, name, oid, kind)


class SampleCheck(Check[PostgresSettings, PostgresState]):
    """Read ``sample_rows`` rows: READ ONLY transaction, statement_timeout, LIMIT."""

    id = "db.sample"
    title = "Sample rows"
    needs = ("db.relation",)
    timeout_steps = 1.8  # the statement_timeout is one step; the server cancels it within the rest

    async def run(self, ctx: Context[PostgresSettings, PostgresState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.source is not None
        if st.relation is None:
            return Outcome.not_applicable("no table given (--table schema.table)")
        rel = _resolved(st)
        st.columns = await st.source.columns(rel)
        try:
            rows, more = await st.source.read(rel, s.sample_rows, timeout=ctx.step_timeout)
        except TimeoutError:
            return self._timeout(ctx, rel)
        except Exception as exc:
            state = sqlstate(exc)
            if state is None:
                raise
            if state == "57014":
                return self._timeout(ctx, rel)
            return Outcome.of(
                [
                    make_finding(
                        "db.sample_failed",
                        f"reading {rel.qualified} failed: {state}: {message(exc)}",
                        evidence={"sqlstate": state, "server_message": message(exc)},
                        query=f"SELECT * FROM {rel.qualified} LIMIT {s.sample_rows};",
                    )
                ]
            )
        from ....sources.rows import RowSample

        st.sample = RowSample(rel.qualified, tuple(st.columns), tuple(tuple(r.values()) for r in rows), more)
        return Outcome.of(
            rows=len(rows),
            more=more,
            columns=[c.name for c in st.columns],
            read_only=True,
            statement_timeout_ms=int(ctx.step_timeout * 1000),
        )

    def _timeout(self, ctx: Context[PostgresSettings, PostgresState], rel: Resolved) -> Outcome:
        return Outcome.of(
            [
                make_finding(
                    "db.sample_timeout",
                    f"reading {ctx.settings.sample_rows} rows of {rel.qualified} took more "
                    f"than {ctx.step_timeout:g} s (statement_timeout)",
                    evidence={"relation": rel.qualified, "kind": rel.kind, "timeout_s": ctx.step_timeout},
                    table=rel.qualified,
                )
            ]
        )


def _cast(column: Column) -> str:
    """The view's expression for a column without a platform type, as its note advises: binary
    data base64-encoded (its ::text would be \\x-hex), anything else as its text."""
    name = column.name if re.fullmatch(r"[a-z_][a-z0-9_]*", column.name) else (
        '"' + column.name.replace('"', '""') + '"')
    if base_type(column.type) == "bytea":
        return f"encode({name}, 'base64') AS {name}"
    return f"{name}::text AS {name}"


class TypesCheck(Check[PostgresSettings, PostgresState]):
    """Each column's type and the platform type it lands as; unsupported ones named."""

    id = "db.types"
    title = "Column types"
    needs = ("db.sample",)

    async def run(self, ctx: Context[PostgresSettings, PostgresState]) -> Outcome:
        st = ctx.state
        if st.relation is None:
            return Outcome.not_applicable("no table given (--table schema.table)")
        shown, bad = column_mapping(st.columns)
        findings: list[Finding] = []
        if bad:
            casts = ", ".join(_cast(c) for c in bad)
            findings.append(
                make_finding(
                    "db.type_unsupported",
                    f"{len(bad)} column(s) of {_resolved(st).qualified} have no platform type: "
                    + ", ".join(f"{c.name} ({c.type})" for c in bad),
                    evidence=unsupported_evidence(bad),
                    cast=f"CREATE VIEW … AS SELECT …, {casts} FROM {_resolved(st).qualified};",
                )
            )
        return Outcome.of(findings, columns=shown)


class DeltaCheck(Check[PostgresSettings, PostgresState]):
    """Under ``aep``: a timestamp or monotonic column exists and leads an index."""

    id = "db.delta"
    title = "Delta column (incremental loads)"
    needs = ("db.relation",)
    after = ("db.sample", "db.types")  # one connection: its statements run one at a time

    async def run(self, ctx: Context[PostgresSettings, PostgresState]) -> Outcome:
        st = ctx.state
        if st.relation is None:
            return Outcome.not_applicable("no table given (--table schema.table)")
        rel = _resolved(st)
        rows = await asyncio.wait_for(st.conn.fetch(DELTA_SQL, rel.oid), ctx.step_timeout)
        cands: list[dict[str, Any]] = []
        for name, type_name, serial, indexed in rows:
            kind = "timestamp" if type_name.startswith(_TIME) else "monotonic key" if serial else None
            if kind:
                cands.append({"column": name, "type": type_name, "kind": kind, "indexed": bool(indexed)})
        if rel.kind != "table":
            # A view has no index of its own; the platform's query goes to the underlying table.
            cands = [{**c, "indexed": None} for c in cands]
        if not cands:
            ddl = await asyncio.wait_for(
                st.conn.fetchrow(DDL_SQL, rel.schema, rel.name, "updated_at"), ctx.step_timeout
            )
            return Outcome.of(
                [
                    make_finding(
                        "db.no_delta_column",
                        f"{rel.qualified} has no timestamp or monotonic column: incremental "
                        "loads cannot pick changed rows, every load reads the whole table",
                        evidence={"relation": rel.qualified, "columns": [r[0] for r in rows][:50]},
                        ddl=ddl[0],
                    )
                ]
            )
        best = sorted(
            cands, key=lambda c: (c["column"] not in _PREFERRED, c["kind"] != "timestamp", not c["indexed"])
        )[0]
        if best["indexed"] is False:
            ddl = await asyncio.wait_for(
                st.conn.fetchrow(DDL_SQL, rel.schema, rel.name, best["column"]), ctx.step_timeout
            )
            return Outcome.of(
                [
                    make_finding(
                        "db.delta_not_indexed",
                        f"{best['column']} ({best['type']}) would serve incremental loads, "
                        "but no index starts with it",
                        evidence={"relation": rel.qualified, "candidates": cands},
                        ddl=ddl[1],
                    )
                ],
                delta_column=best["column"],
                candidates=cands,
            )
        return Outcome.of(delta_column=best["column"], candidates=cands)
