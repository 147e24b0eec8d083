"""Layer 4 — protocol identification: does a MySQL/MariaDB server answer, and which one?

On the TCP layer's connection we listen first: a MySQL server greets at once with its initial
handshake packet (protocol 10, version, capabilities, default authentication plugin). A server
that stays silent gets PostgreSQL's 8-byte SSLRequest (through the shared
:mod:`~sourcedoctor.checks.identify` layer), so a PostgreSQL, HTTP or TLS service on the port is
named too. An error packet instead of the greeting is the server refusing this client before any
login: 1130 (no account for this client's host), 1129 (host blocked), 1040 (too many
connections).
"""

from __future__ import annotations

import re
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.identify import identify_socket
from ....codes import make_finding
from ....model import Finding
from ..settings import DEFAULT_PORT, MysqlSettings
from ..state import MysqlState
from ..wire import Greeting, NotMysql, parse_greeting

_HOST_IN_MESSAGE = re.compile(r"Host '([^']{1,255})'")
DB_ADMIN = "the database server's administrator"


def client_host(message: str) -> str | None:
    """The client address the server names in a 1129/1130 message."""
    found = _HOST_IN_MESSAGE.search(message)
    return found.group(1) if found else None


def refusal_finding(greeting: Greeting, s: MysqlSettings) -> Finding:
    """The finding for an error packet sent instead of the greeting."""
    assert greeting.error is not None
    err = greeting.error
    evidence: dict[str, Any] = {"errno": err.errno, "message": err.message, "sqlstate": err.sqlstate}
    user = s.user or "USER"
    host = client_host(err.message) or "CLIENT_ADDRESS"
    if err.errno == 1130:
        evidence["client_address"] = host
        account = f"'{user}'@'{host}'"
        return make_finding(
            "db.hba_rejected", f"the server has no account for any user from {host} (error 1130: "
            "it refuses this client before asking for a password)", evidence=evidence, fix=[
                f"Create the login for this client's address (or a pattern such as '{user}'@'%'): "
                f"CREATE USER {account} IDENTIFIED BY '…';",
                f"GRANT SELECT ON `{s.database or 'DATABASE'}`.* TO {account};",
                "The platform connects from its own addresses: allow those (or '%') for the "
                "platform's account, not only this machine's."])
    if err.errno == 1129:
        return make_finding(
            "db.auth_failed", f"the server blocks {host} after too many broken connections (error "
            "1129)", evidence=evidence, fix=[
                "On the server: FLUSH HOSTS; (or mariadb-admin flush-hosts) to unblock now.",
                "Find what opens connections without logging in (a health check or port scanner) "
                "and raise max_connect_errors if needed."])
    if err.errno == 1040:
        return make_finding(
            "db.auth_failed", "the server has no free connection slot (error 1040: too many "
            "connections)", evidence=evidence, fix=[
                "On the server: SHOW PROCESSLIST; close idle sessions, or raise max_connections.",
                "The platform opens its own connections too: leave room for them."])
    return make_finding("db.auth_failed", f"the server refused the connection before login "
                        f"(error {err.errno}: {err.message[:200]})", evidence=evidence)


class ProtocolCheck(Check[MysqlSettings, MysqlState]):
    """Read the server's greeting; name what answers when it is not MySQL/MariaDB."""

    id = "db.protocol"
    title = "MySQL protocol"
    needs = ("tcp.connect",)
    timeout_steps = 1.5  # identification may listen the whole step budget: its verdict comes first

    async def run(self, ctx: Context[MysqlSettings, MysqlState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.sock is not None
        found = await identify_socket(st.sock, host=s.host, timeout=ctx.step_timeout,
                                      expect="postgresql")
        facts: dict[str, Any] = {"answered": found.protocol, "elapsed_ms": found.elapsed_ms}
        st.sock_used = found.probe_sent
        ctx.transcript.add("db", f"{s.host}:{s.port} → {found.name} {found.detail}".strip())
        endpoint = {"host": s.host, "port": s.port}
        if found.protocol == "mysql":
            try:
                greeting = parse_greeting(found.raw)
            except NotMysql as exc:
                return Outcome.of([make_finding(
                    "db.wrong_protocol", f"{s.host}:{s.port} sent a malformed MySQL greeting ({exc})",
                    evidence={**endpoint, "banner": found.banner}, port=s.port,
                    found="a malformed MySQL greeting", expected="MySQL/MariaDB",
                    default_port=DEFAULT_PORT)], **facts)
            st.greeting = greeting
            if greeting.error is not None:
                return Outcome.of([refusal_finding(greeting, s)], **facts)
            facts.update(greeting.facts())
            ctx.transcript.add("db", f"{greeting.product} {greeting.version_shown}, TLS "
                               f"{'offered' if greeting.supports_tls else 'not offered'}, plugin "
                               f"{greeting.auth_plugin}")
            return Outcome.of(**facts)
        if found.protocol == "silent" or found.ended in ("closed", "reset"):
            how = ("said nothing within " f"{ctx.step_timeout:g} s" if found.protocol == "silent"
                   else f"closed the connection without a byte ({found.ended})")
            return Outcome.of([make_finding(
                "db.server_silent", f"{s.host}:{s.port} accepted the connection and {how}; a MySQL "
                "server greets at once", evidence={**endpoint, "ended": found.ended,
                                                   "probe_sent": found.probe_sent},
                host=s.host, port=s.port)], **facts)
        return Outcome.of([make_finding(
            "db.wrong_protocol", f"{s.host}:{s.port} speaks {found.name}, not MySQL/MariaDB",
            evidence={**endpoint, "found": found.protocol, "banner": found.banner,
                      "detail": found.detail}, port=s.port, found=found.name,
            expected="MySQL/MariaDB", default_port=DEFAULT_PORT)], **facts)
