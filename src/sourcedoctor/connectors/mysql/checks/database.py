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
from ....model import Finding
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
                return Outcome.of([await self._denied(ctx, db, user_dbs, evidence)], **facts)
            return Outcome.of([make_finding(
                "db.auth_failed", f"selecting database {db!r} failed ({exc.errno}: {exc.message[:200]})",
                evidence=evidence)], **facts)
        return Outcome.of(**facts)

    async def _denied(self, ctx: Context[MysqlSettings, MysqlState], db: str, user_dbs: list[str],
                      evidence: dict[str, Any]) -> Finding:
        """1044: the server answers it for a database the account may not use AND for one that
        does not exist. The visible databases tell them apart when the account may list them all
        (SHOW DATABASES privilege); otherwise a close visible name means a typo, and without one
        the finding says it cannot be told."""
        st = ctx.state
        assert st.session is not None
        account = _account(ctx)
        grant = f"GRANT SELECT ON {quote_identifier(db)}.* TO {account};"
        evidence["grant"] = grant
        if db in st.databases:  # listed, so it exists: the account lacks the privilege
            evidence["database_exists"] = True
            return make_finding("db.permission_denied", f"{account} has no privilege on database "
                                f"{db!r} (1044)", evidence=evidence, grant=grant)
        rows, _ = await st.session.query(
            "SELECT 1 FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'SHOW DATABASES' "
            "LIMIT 1")
        sees_all = bool(rows)
        evidence["sees_all_databases"] = sees_all
        matches = close_matches(db, user_dbs, cutoff=0.75)
        if sees_all or matches:
            evidence["close_matches"] = matches
            closest = f"; closest: {', '.join(matches)}" if matches else ""
            if sees_all:
                why = "the account may list every database and this one is not among them"
            else:
                evidence["also_possible"] = f"it exists and {account} may not use it: {grant}"
                why = ("the server answers the same for a database the account may not use, but "
                       "a visible one has a close name")
            shown = ", ".join(matches or user_dbs[:10]) or "(none visible to this user)"
            return make_finding(
                "db.database_not_found", f"database {db!r} does not exist (1044: {why}){closest}",
                evidence=evidence, databases=shown)
        return make_finding(
            "db.permission_denied", f"{account} has no privilege on database {db!r}, or it does "
            "not exist (1044: the server answers the same for both, and this account cannot list "
            "the databases it may not use)", evidence=evidence, grant=grant,
            fix=[f"Check the database name ({db}); the databases this account sees: "
                 f"{', '.join(user_dbs[:10]) or '(none)'}",
                 f"If it exists, run as an administrator: {grant}"])

