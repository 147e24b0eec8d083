"""Layer 1 — settings: the pasted connection string key by key, a missing host, a MySQL port, a
table name that cannot be one — judged before any network use."""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ...database.names import IdentifierError, split_qualified
from ..connstring import MYSQL_PORT
from ..settings import DEFAULT_PORT, PostgresSettings
from ..state import PostgresState


class PgSettingsCheck(Check[PostgresSettings, PostgresState]):
    """Cross-field rules and the connection string's mistakes."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[PostgresSettings, PostgresState]) -> Outcome:
        s = ctx.settings
        findings: list[Finding] = []
        facts: dict[str, Any] = {
            "host": s.host or None,
            "port": s.port,
            "database": s.database,
            "user": s.user,
            "ssl_mode": s.ssl_mode,
            "table": s.table,
        }
        if s.pasted is not None:
            findings += s.pasted.findings
            facts["connection_string"] = s.pasted.explained
        if not s.host:
            findings.append(
                make_finding(
                    "config.invalid",
                    "no server given: set server (--host) or Server= in the connection string",
                    evidence={"field": "host_field"},
                    field="host_field (server)",
                )
            )
        if not s.user:
            findings.append(
                make_finding(
                    "config.invalid",
                    "no user name given: set username (--user) or UID= in the connection string",
                    evidence={"field": "user_field"},
                    field="user_field (username)",
                )
            )
        if s.port == MYSQL_PORT:
            findings.append(
                make_finding(
                    "config.db_port_of_other_server",
                    f"port {s.port} is MySQL/MariaDB's default port; "
                    f"PostgreSQL listens on {DEFAULT_PORT} by default",
                    evidence={"field": "port_field", "port": s.port},
                    expected_product="PostgreSQL",
                    expected_port=DEFAULT_PORT,
                )
            )
        if s.table:
            try:
                qn = split_qualified(s.table)
                facts["relation"] = {"schema": qn.schema, "name": qn.name}
            except IdentifierError as exc:
                findings.append(
                    make_finding(
                        "config.invalid", f"the table name {exc}", evidence={"field": "table"}, field="table"
                    )
                )
        return Outcome.of(findings, **facts)
