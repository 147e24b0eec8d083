"""Layers 9-11 — sample, types, delta column.

- sample: at most N rows (``LIMIT``) in a read-only transaction with the server's statement time
  limit; never a full scan. A statement timeout is ``db.sample_timeout``, another error
  ``db.sample_failed``.
- types: each column's MySQL type and the platform type it lands as; types without an
  equivalent (spatial, binary, bit strings) are named with the cast to use (``db.type_unsupported``).
- delta (cloud targets): incremental loads need a timestamp or auto-increment column that is the
  first column of an index; none → ``db.no_delta_column``, not indexed → ``db.delta_not_indexed``.
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....sources.rows import RowSample, RowSourceError
from ...database.types import column_mapping, unsupported_evidence
from ..client import quote_identifier
from ..settings import MysqlSettings
from ..state import MysqlState

_DELTA_TYPES = frozenset({"timestamp", "datetime"})
_PREFERRED = ("updated", "modified", "changed", "last_update", "ts")


def _preview(row: tuple[Any, ...]) -> list[str]:
    return [repr(v)[:80] for v in row]


class SampleCheck(Check[MysqlSettings, MysqlState]):
    """Read at most ``sample_rows`` rows; never a full scan."""

    id = "db.sample"
    title = "Sample rows"
    needs = ("db.relation",)
    timeout_steps = 2.0

    async def run(self, ctx: Context[MysqlSettings, MysqlState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        if st.relation is None or st.source is None:
            return Outcome.not_applicable("no table given")
        db, table = st.relation
        described = await st.source.columns(db, table)
        st.columns = [c for c, _ in described]
        query = f"SELECT * FROM {quote_identifier(db)}.{quote_identifier(table)} LIMIT {s.sample_rows + 1}"
        try:
            run = await st.source.read(db, table, s.sample_rows + 1, st.columns)
        except RowSourceError as exc:
            evidence = {"query": query, "error": exc.detail, "kind": exc.kind}
            if exc.kind == "timeout":
                return Outcome.of([make_finding(
                    "db.sample_timeout", f"reading {s.sample_rows} rows of {db}.{table} did not finish "
                    f"within {ctx.step_timeout:g} s", evidence=evidence, table=f"{db}.{table}")])
            return Outcome.of([make_finding(
                "db.sample_failed", f"reading rows of {db}.{table} failed ({exc.detail[:200]})",
                evidence=evidence, query=query)])
        rows = run.rows[:s.sample_rows]
        st.sample = RowSample(f"{db}.{table}", tuple(st.columns), tuple(rows),
                              more=len(run.rows) > s.sample_rows,
                              notes=(f"read in {run.elapsed_ms:g} ms",))
        return Outcome.of(rows=len(rows), more=st.sample.more, elapsed_ms=run.elapsed_ms,
                          query=query, read_only=True,
                          columns=[c.name for c in st.columns],
                          first_rows=[_preview(r) for r in rows[:3]])


class TypesCheck(Check[MysqlSettings, MysqlState]):
    """How each column lands on the platform; name the ones that cannot."""

    id = "db.types"
    title = "Column types"
    needs = ("db.sample",)

    async def run(self, ctx: Context[MysqlSettings, MysqlState]) -> Outcome:
        st = ctx.state
        if st.relation is None:
            return Outcome.not_applicable("no table given")
        db, table = st.relation
        mapping, bad = column_mapping(st.columns)
        if not bad:
            return Outcome.of(columns=mapping)
        casts = ", ".join(f"{c.name}: {c.note}" for c in bad)
        return Outcome.of([make_finding(
            "db.type_unsupported", f"{len(bad)} column(s) of {db}.{table} have no platform type: "
            + ", ".join(f"{c.name} ({c.type})" for c in bad),
            evidence=unsupported_evidence(bad), cast=casts)], columns=mapping)


class DeltaCheck(Check[MysqlSettings, MysqlState]):
    """A timestamp or auto-increment column, first in an index, for incremental loads."""

    id = "db.delta"
    title = "Delta column for incremental loads"
    needs = ("db.sample",)

    async def run(self, ctx: Context[MysqlSettings, MysqlState]) -> Outcome:
        st = ctx.state
        if st.relation is None or st.source is None:
            return Outcome.not_applicable("no table given")
        db, table = st.relation
        described = await st.source.columns(db, table)
        candidates = [(c.name, raw["data_type"]) for c, raw in described
                      if raw["data_type"] in _DELTA_TYPES or "auto_increment" in raw["extra"]]
        target = f"{quote_identifier(db)}.{quote_identifier(table)}"
        assert st.session is not None
        kind_rows, _ = await st.session.query(
            "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND "
            "TABLE_NAME = %s", (db, table))
        view = bool(kind_rows) and "VIEW" in str(kind_rows[0][0]).upper()
        if not candidates:
            ddl = (f"ALTER TABLE {target} ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT "
                   "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, ADD INDEX (updated_at);")
            if view:
                base = ddl.replace(target, "BASE_TABLE")
                ddl = f"{target} is a view: add the column to its base table ({base}), then to the view"
            return Outcome.of([make_finding(
                "db.no_delta_column", f"{db}.{table} has no timestamp or auto-increment column: "
                "every load reads the whole table", evidence={"columns": [c.name for c, _ in described]},
                ddl=ddl)])
        if view:
            # A view has no index of its own (no CREATE INDEX on it): its base table's index serves
            # the load's WHERE, and which base column a view column is cannot be told reliably.
            best = sorted(candidates, key=lambda c: not any(p in c[0].lower() for p in _PREFERRED))
            return Outcome.of(candidates=[c[0] for c in candidates], delta_column=best[0][0],
                              indexed=None, view=True)
        rows, _ = await st.session.query(
            "SELECT DISTINCT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s "
            "AND TABLE_NAME = %s AND SEQ_IN_INDEX = 1", (db, table))
        indexed = {str(r[0]) for r in rows}
        ranked = sorted(candidates, key=lambda c: (c[0] not in indexed,
                                                   not any(p in c[0].lower() for p in _PREFERRED)))
        name, kind = ranked[0]
        facts: dict[str, Any] = {"candidates": [c[0] for c in candidates], "delta_column": name,
                                 "indexed": name in indexed}
        if name in indexed:
            return Outcome.of(**facts)
        ddl = f"CREATE INDEX {quote_identifier(('idx_' + name)[:64])} ON {target} ({quote_identifier(name)});"
        return Outcome.of([make_finding(
            "db.delta_not_indexed", f"{db}.{table}.{name} ({kind}) would serve incremental loads but is "
            "not the first column of any index", evidence=facts, ddl=ddl)], **facts)
