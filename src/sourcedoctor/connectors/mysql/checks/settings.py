"""Layer 1 — settings: the pasted connection string explained key by key, its mistakes, a
PostgreSQL port, a table name MySQL cannot have — judged before any network use."""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from .. import connstring
from ..settings import MysqlSettings, identifier_problem
from ..state import MysqlState


class MysqlSettingsCheck(Check[MysqlSettings, MysqlState]):
    """Cross-field rules and the connection string's mistakes."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[MysqlSettings, MysqlState]) -> Outcome:
        s = ctx.settings
        findings: list[Finding] = []
        facts: dict[str, Any] = {"host": s.host, "port": s.port, "database": s.database,
                                 "user": s.user, "ssl_mode": s.ssl_mode, "table": s.table}
        if s.connection_string is not None:
            text = s.connection_string.get_secret_value()
            facts["connection_string"] = connstring.explain(text)
            findings += connstring.judge(text)
        if not s.host:
            findings.append(make_finding(
                "config.invalid", "no server given: set server (--host) or Server= in the connection "
                "string", evidence={"field": "host"}, field="host (server)"))
        port_flagged = any(f.code == "config.db_port_of_other_server" for f in findings)
        if s.port == connstring.POSTGRES_PORT and not port_flagged:
            findings.append(make_finding(
                "config.db_port_of_other_server",
                f"port {s.port} is PostgreSQL's port; MySQL/MariaDB listen on 3306",
                evidence={"field": "port", "port": s.port},
                expected_product="MySQL/MariaDB", expected_port=3306))
        ref = s.table_ref
        if ref is not None:
            for what, name in (("database", ref[0]), ("table", ref[1])):
                problem = identifier_problem(name) if name is not None else None
                if problem:
                    findings.append(make_finding(
                        "config.invalid", f"table: the {what} name {problem}",
                        evidence={"field": "table", "part": what}, field="table"))
        if s.database:
            problem = identifier_problem(s.database)
            if problem:
                findings.append(make_finding("config.invalid", f"database: the name {problem}",
                                             evidence={"field": "database"}, field="database"))
        return Outcome.of(findings, **facts)
