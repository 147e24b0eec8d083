"""Layer 8 — relation and privileges: the table exists (else its closest names), the user has
USAGE on its schema and SELECT on it (else the exact GRANT), and row-level security is named."""

from __future__ import annotations

import asyncio
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ...database.names import IdentifierError, split_qualified
from ..settings import PostgresSettings
from ..state import PostgresState

PRIVILEGES_SQL = """
SELECT has_schema_privilege(c.relnamespace, 'USAGE'), has_table_privilege(c.oid, 'SELECT'),
       has_any_column_privilege(c.oid, 'SELECT'), c.relrowsecurity, c.relforcerowsecurity,
       pg_get_userbyid(c.relowner) = current_user, r.rolbypassrls OR r.rolsuper
FROM pg_class c, pg_roles r WHERE c.oid = $1 AND r.rolname = current_user"""
GRANT_SQL = """
SELECT format('GRANT USAGE ON SCHEMA %I TO %I;', $1::text, current_user::text),
       format('GRANT SELECT ON %I.%I TO %I;', $1::text, $2::text, current_user::text),
       format('ALTER ROLE %I BYPASSRLS;', current_user::text), quote_ident(current_user::text)"""


class RelationCheck(Check[PostgresSettings, PostgresState]):
    """Resolve the table; check the privileges a read needs."""

    id = "db.relation"
    title = "Table and privileges"
    needs = ("db.database",)
    timeout_steps = 2.0  # a few catalogue queries

    async def run(self, ctx: Context[PostgresSettings, PostgresState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        source = st.source
        assert source is not None
        if not s.table:
            listing = await source.relations(limit=min(s.max_relations, 50))
            return Outcome.not_applicable(
                "no table given (--table schema.table)", schemas=[r.name for r in listing.relations]
            )
        try:
            qn = split_qualified(s.table)
        except IdentifierError:
            return Outcome.blocked("config.settings")
        rel = await source.resolve(qn)
        if rel is None:
            near = await source.close_names(s.table)
            return Outcome.of(
                [
                    make_finding(
                        "db.table_not_found",
                        f"no table or view {s.table!r} is visible to {s.user!r}"
                        + (f" (closest: {', '.join(near)})" if near else ""),
                        evidence={"table": s.table, "closest": near, "search_path_used": qn.schema is None},
                        table=s.table,
                        matches=", ".join(near)
                        or "(none with a similar name; psql's \\dt *.* lists them all)",
                    )
                ]
            )
        st.relation = (rel.schema, rel.name, rel.oid, rel.kind)
        row = await asyncio.wait_for(st.conn.fetchrow(PRIVILEGES_SQL, rel.oid), ctx.step_timeout)
        usage, select, any_column, rls, force_rls, owner, bypass = row
        grants = await asyncio.wait_for(st.conn.fetchrow(GRANT_SQL, rel.schema, rel.name), ctx.step_timeout)
        facts: dict[str, Any] = {
            "relation": rel.qualified,
            "kind": rel.kind,
            "schema_usage": usage,
            "select": select,
            "row_level_security": rls,
        }
        findings: list[Finding] = []
        missing = [g for ok, g in ((usage, grants[0]), (select, grants[1])) if not ok]
        if missing:
            what = " and ".join(
                w
                for ok, w in (
                    (usage, f"USAGE on schema {rel.schema}"),
                    (select, f"SELECT on {rel.qualified}"),
                )
                if not ok
            )
            findings.append(
                make_finding(
                    "db.permission_denied",
                    f"{s.user!r} lacks {what}"
                    + (" (it has SELECT on some columns only)" if any_column and not select else ""),
                    evidence={
                        "relation": rel.qualified,
                        "schema_usage": usage,
                        "table_select": select,
                        "some_columns": bool(any_column),
                        "grant": " ".join(missing),
                    },
                    grant=" ".join(missing),
                )
            )
        if rls and not bypass and (not owner or force_rls):
            findings.append(
                make_finding(
                    "db.row_security",
                    f"{rel.qualified} has row-level security: {s.user!r} sees only the "
                    "rows its policies allow",
                    evidence={"relation": rel.qualified, "forced": bool(force_rls)},
                    user=grants[3],
                )
            )
        return Outcome.of(findings, **facts)
