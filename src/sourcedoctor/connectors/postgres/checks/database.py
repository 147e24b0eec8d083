"""Layer 7 — database: it exists (else the databases this user can see), and what server this is
(PostgreSQL version; Amazon Redshift, Aurora, CockroachDB named when the server says so)."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ...database.names import close_matches
from ..client import connect, sqlstate
from ..settings import PostgresSettings
from ..source import PostgresSource
from ..state import PostgresState

DATABASES_SQL = """
SELECT datname FROM pg_database
WHERE datallowconn AND NOT datistemplate AND has_database_privilege(datname, 'CONNECT')
ORDER BY 1 LIMIT 200"""
SERVER_SQL = """
SELECT current_setting('server_version'), current_database(), current_user,
       host(inet_client_addr()), to_regproc('aurora_version') IS NOT NULL"""
#: What every Postgres-protocol server answers (Redshift and CockroachDB lack some of the above).
BASIC_SQL = "SELECT version(), current_database(), current_user"


def product_of(version: str, aurora: bool) -> str:
    """The product name from ``version()`` (and whether ``aurora_version()`` exists)."""
    if "Redshift" in version:
        return "Amazon Redshift"
    if "CockroachDB" in version:
        return "CockroachDB"
    if aurora:
        return "Amazon Aurora PostgreSQL"
    if "Greenplum" in version:
        return "Greenplum"
    return "PostgreSQL"


class DatabaseCheck(Check[PostgresSettings, PostgresState]):
    """The database exists; the server's product and version."""

    id = "db.database"
    title = "Database"
    needs = ("db.auth",)
    timeout_steps = 2.5  # a missing database: one more login to list the others

    async def run(self, ctx: Context[PostgresSettings, PostgresState]) -> Outcome:
        st = ctx.state
        if st.login_error is not None:
            return await self._missing(ctx)
        conn = st.conn
        version, db, user = await asyncio.wait_for(conn.fetchrow(BASIC_SQL), ctx.step_timeout)
        short, client, aurora = None, None, False
        try:
            short, db, user, client, aurora = await asyncio.wait_for(
                conn.fetchrow(SERVER_SQL), ctx.step_timeout
            )
        except Exception as exc:  # a server without these functions: version() says enough
            if sqlstate(exc) is None:
                raise
            match = re.search(r"(\d+\.\d+(?:\.\d+)?)", version or "")
            short = match.group(1) if match else None
        st.server_version = short
        st.product = product_of(version, bool(aurora))
        st.source = PostgresSource(conn, timeout=ctx.step_timeout)
        m = re.match(r"(\d+)", short or "")
        facts: dict[str, Any] = {
            "product": st.product,
            "server_version": short,
            "version": version[:200],
            "database": db,
            "user": user,
            "client_address_seen": client,
            "major_version": int(m.group(1)) if m else None,
        }
        ctx.transcript.add("database", f"{st.product} {short}, database {db} as {user}")
        return Outcome.of(**facts)

    async def _missing(self, ctx: Context[PostgresSettings, PostgresState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.login_error is not None
        names: list[str] = []
        listed_from = None
        # The password was accepted (3D000 comes after authentication): log in once more, to a
        # database every cluster has, only to list names.
        for other in ("postgres", "template1"):
            try:
                conn = await connect(s, use_tls=st.use_tls, timeout=ctx.step_timeout, database=other)
            except Exception:
                continue
            try:
                names = [r[0] for r in await asyncio.wait_for(conn.fetch(DATABASES_SQL), ctx.step_timeout)]
                listed_from = other
            finally:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
            break
        near = close_matches(s.database or "", names)
        shown = near + [n for n in names if n not in near]
        return Outcome.of(
            [
                make_finding(
                    "db.database_not_found",
                    f"the server has no database {s.database!r}"
                    + (f" (closest: {', '.join(near)})" if near else ""),
                    evidence={
                        "database": s.database,
                        "sqlstate": st.login_error[0],
                        "server_message": st.login_error[1],
                        "databases_visible": names[:50],
                        "listed_from": listed_from,
                    },
                    databases=", ".join(shown[:10]) or "(none visible to this user: ask the administrator)",
                )
            ]
        )
