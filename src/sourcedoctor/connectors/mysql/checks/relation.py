"""Layer 8 — table and grants: the table exists, and this account may SELECT from it.

``information_schema`` shows only tables the account holds some privilege on, so a table that
is not listed is probed with ``SELECT 1 FROM `db`.`t` LIMIT 0`` (no row is read): 1146 means it does
not exist (the finding lists close names), 1142 that it exists but SELECT is not granted (the
finding has the exact GRANT for the account the server matched).
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..client import ServerFailure, quote_identifier
from ..settings import MysqlSettings
from ..source import TIMED_OUT
from ..state import MysqlState
from .auth import _account
from .database import close_matches


class RelationCheck(Check[MysqlSettings, MysqlState]):
    """Find the table; prove SELECT is granted without reading a row."""

    id = "db.relation"
    title = "Table and privileges"
    needs = ("db.database",)
    timeout_steps = 2.0  # a listing, then the probe under the server's limit (0.8 of a step)

    async def run(self, ctx: Context[MysqlSettings, MysqlState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.session is not None and st.source is not None
        ref = s.table_ref
        db = s.table_database
        if ref is None or not db:
            tables = await st.source.relations(db, limit=50) if db else None
            names = [r.name for r in tables.relations] if tables else []
            return Outcome.not_applicable("no table given", tables=names)
        table = ref[1]
        target = f"{quote_identifier(db)}.{quote_identifier(table)}"
        facts: dict[str, Any] = {"database": db, "table": table}
        listing = await st.source.relations(db, limit=1000)
        visible = {r.name.split(".", 1)[1]: r for r in listing.relations}
        probe = f"SELECT 1 FROM {target} LIMIT 0"
        try:
            # A view may be evaluated even for LIMIT 0: the probe runs under the time limit too.
            await st.session.execute(st.source.bounded(probe))
        except TimeoutError:
            return Outcome.of([self._slow(ctx, db, table, probe, "no answer in time")], **facts)
        except ServerFailure as exc:
            if exc.errno in TIMED_OUT:
                return Outcome.of([self._slow(ctx, db, table, probe, str(exc))], **facts)
            evidence: dict[str, Any] = {"errno": exc.errno, "message": exc.message,
                                        "database": db, "table": table}
            if exc.errno == 1146:
                matches = close_matches(table, list(visible))
                evidence["close_matches"] = matches
                shown = ", ".join(f"{db}.{m}" for m in matches) or (
                    ", ".join(list(visible)[:10]) or f"(no table in {db} is visible to this user)")
                return Outcome.of([make_finding(
                    "db.table_not_found", f"table {db}.{table} does not exist"
                    + (f" (did you mean {matches[0]!r}?)" if matches else ""),
                    evidence=evidence, matches=shown)], **facts)
            if exc.errno in (1142, 1143):
                grant = f"GRANT SELECT ON {target} TO {_account(ctx)};"
                evidence["grant"] = grant
                # MySQL answers 1142 for a table that does not exist too, when the account has
                # no privilege on the database as a whole: a close visible name means a typo.
                matches = close_matches(table, list(visible), cutoff=0.8)
                if matches:
                    evidence["close_matches"] = matches
                    evidence["also_possible"] = "the table exists and SELECT is not granted: " + grant
                    return Outcome.of([make_finding(
                        "db.table_not_found", f"{db}.{table} is not visible to {_account(ctx)} "
                        f"({exc.errno}); did you mean {matches[0]!r}?", evidence=evidence,
                        matches=", ".join(f"{db}.{m}" for m in matches))], **facts)
                return Outcome.of([make_finding(
                    "db.permission_denied", f"{_account(ctx)} may not SELECT from {db}.{table} "
                    f"({exc.errno})", evidence=evidence, grant=grant)], **facts)
            return Outcome.of([make_finding(
                "db.sample_failed", f"probing {db}.{table} failed ({exc.errno}: {exc.message[:200]})",
                evidence={**evidence, "query": probe}, query=probe)], **facts)
        found = visible.get(table)
        st.relation = (db, table)
        if found is not None:
            facts.update(kind=found.kind, rows_estimate=found.rows_estimate)
        return Outcome.of(**facts)

    @staticmethod
    def _slow(ctx: Context[MysqlSettings, MysqlState], db: str, table: str, probe: str,
              error: str) -> Finding:
        return make_finding(
            "db.sample_timeout", f"even an empty read of {db}.{table} did not finish within "
            f"{ctx.step_timeout:g} s (a view with an expensive definition, or a lock)",
            evidence={"query": probe, "error": error, "kind": "timeout"}, table=f"{db}.{table}")
