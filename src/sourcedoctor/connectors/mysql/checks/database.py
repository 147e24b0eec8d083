"""Layer 7 — database: the databases this user can see, then ``USE`` the configured one.

1049: no such database (the finding lists the visible ones, closest first); 1044: it exists for
the server but this account has no privilege on it (MySQL hides a database the account may not
see, so the two are told apart by the server, not guessed).
"""

from __future__ import annotations

import difflib
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ..client import ServerFailure, quote_identifier
from ..settings import MysqlSettings
from ..source import MysqlSource
from ..state import MysqlState
from .auth import _account

#: Databases every server has, which are never the data the platform should read.
SYSTEM_DATABASES = frozenset({"information_schema", "mysql", "performance_schema", "sys"})


def close_matches(name: str, names: list[str], n: int = 5, cutoff: float = 0.5) -> list[str]:
    """Names like ``name`` (case-insensitive first), best first."""
    exact = [x for x in names if x.lower() == name.lower() and x != name]
    fuzzy = difflib.get_close_matches(name.lower(), [x.lower() for x in names], n=n, cutoff=cutoff)
    by_lower = {x.lower(): x for x in names}
    return list(dict.fromkeys(exact + [by_lower[f] for f in fuzzy]))[:n]


class DatabaseCheck(Check[MysqlSettings, MysqlState]):
    """List the visible databases; select the configured one."""

    id = "db.database"
    title = "Database"
    needs = ("db.auth",)

    async def run(self, ctx: Context[MysqlSettings, MysqlState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.session is not None and st.greeting is not None
        st.source = MysqlSource(st.session, s.table_database, mariadb=st.greeting.product == "MariaDB",
                                statement_timeout=ctx.step_timeout)
        listing = await st.source.relations(None, limit=1000)
        st.databases = [r.name for r in listing.relations]
        user_dbs = [d for d in st.databases if d.lower() not in SYSTEM_DATABASES]
        facts: dict[str, Any] = {"visible_databases": user_dbs[:50],
                                 "visible_count": len(user_dbs) + listing.truncated}
        db = s.table_database
        if not db:
            return Outcome.not_applicable("no database given: the visible ones are listed", **facts)
        facts["database"] = db
        try:
            await st.session.execute(f"USE {quote_identifier(db)}")
        except ServerFailure as exc:
            evidence = {"errno": exc.errno, "message": exc.message, "database": db,
                        "visible_databases": user_dbs[:50]}
            if exc.errno == 1049:
                matches = close_matches(db, user_dbs)
                evidence["close_matches"] = matches
                shown = ", ".join(matches or user_dbs[:10]) or "(none visible to this user)"
                return Outcome.of([make_finding(
                    "db.database_not_found", f"database {db!r} does not exist"
                    + (f" (did you mean {matches[0]!r}?)" if matches else ""),
                    evidence=evidence, databases=shown)], **facts)
            if exc.errno == 1044:
                grant = f"GRANT SELECT ON {quote_identifier(db)}.* TO {_account(ctx)};"
                evidence["grant"] = grant
                return Outcome.of([make_finding(
                    "db.permission_denied", f"{_account(ctx)} has no privilege on database {db!r} "
                    "(1044)", evidence=evidence, grant=grant)], **facts)
            return Outcome.of([make_finding(
                "db.auth_failed", f"selecting database {db!r} failed ({exc.errno}: {exc.message[:200]})",
                evidence=evidence)], **facts)
        return Outcome.of(**facts)
