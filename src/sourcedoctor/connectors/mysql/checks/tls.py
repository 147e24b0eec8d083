"""Layer 5 — TLS negotiation: sslMode against the server's CLIENT_SSL capability, then the
certificate through the shared TLS layer's judgement.

MySQL starts TLS inside its own protocol: after the greeting the client sends an SSLRequest
packet and the TLS handshake follows on the same connection. So the shared
:class:`~sourcedoctor.checks.tls.TlsCheck` is reused for its verdicts (untrusted, expired, host
name) while this layer does the MySQL part of the handshake first. Nothing is sent over TLS: no
user name, no password.

- sslMode disable: no TLS (a server that demands it says so at login: ``db.tls_required``).
- allow/prefer: TLS when the server offers it, else plain (a warning under a cloud target).
- require: TLS or ``db.tls_unavailable``; the certificate is shown, not judged (MySQL's REQUIRED).
- verify-ca/verify-full: the chain (and the host name for verify-full) must check out.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from typing import Any

from ....checks.base import Context, Outcome
from ....checks.tcp import connect_one
from ....checks.tls import TlsCheck, client_context, session_facts
from ....codes import make_finding
from ....model import Severity
from ..client import tls_context
from ..settings import MysqlSettings
from ..state import MysqlState
from ..wire import Greeting, NotMysql, parse_greeting, ssl_request

SERVER_SETTING = "ssl_cert, ssl_key (and ssl_ca) in the [mariadbd]/[mysqld] section of my.cnf"


async def _read_greeting(sock: socket.socket, timeout: float) -> bytes:
    loop = asyncio.get_running_loop()
    buf = b""
    while len(buf) < 4 or len(buf) < 4 + int.from_bytes(buf[:3], "little"):
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 4096), timeout)
        if not chunk:
            raise ConnectionError("closed before the greeting")
        buf += chunk
        if len(buf) > 65536:
            break
    return buf


async def start_tls(sock: socket.socket | None, peer: tuple[str, int], ctx: ssl.SSLContext,
                    server_hostname: str, timeout: float, *, greeting: Greeting | None) -> dict[str, Any]:
    """SSLRequest then the TLS handshake; the session's facts. ``sock`` with ``greeting``: a
    connection whose greeting was already read; otherwise a new connection is made."""
    loop = asyncio.get_running_loop()
    if sock is None or greeting is None:
        if sock is not None:
            sock.close()
        sock, outcome = await connect_one(peer[0], peer[1], timeout)
        if sock is None:
            raise ConnectionError(f"reconnect failed: {outcome.get('result')}")
        greeting = None
    try:
        if greeting is None:
            greeting = parse_greeting(await _read_greeting(sock, timeout))
        if greeting.error is not None:
            raise ConnectionError(f"server error {greeting.error.errno}: {greeting.error.message}")
        await asyncio.wait_for(loop.sock_sendall(sock, ssl_request(greeting)), timeout)
        _, writer = await asyncio.wait_for(asyncio.open_connection(
            sock=sock, ssl=ctx, server_hostname=server_hostname or None,
            ssl_handshake_timeout=timeout), timeout)
    except BaseException:
        with contextlib.suppress(OSError):
            sock.close()
        raise
    return await session_facts(writer, timeout)


class MysqlTlsCheck(TlsCheck):
    """sslMode against CLIENT_SSL; the certificate judged like any TLS endpoint's."""

    needs = ("db.protocol",)
    starttls = "mysql"

    async def judge(self, ctx: Context[Any, Any]) -> Outcome:
        s: MysqlSettings = ctx.settings
        st: MysqlState = ctx.state
        greeting = st.greeting
        assert greeting is not None and st.peer is not None
        offered = greeting.supports_tls
        base: dict[str, Any] = {"ssl_mode": s.ssl_mode, "tls_offered": offered}
        if (s.ssl_mode == "disable" or not offered) and st.sock is not None:
            # The greeting's connection has served: the login makes its own. Closing it now
            # keeps the server from holding a half-open handshake until the run ends.
            st.sock.close()
            st.sock = None
        if s.ssl_mode == "disable":
            st.use_tls = False
            return Outcome.not_applicable("sslMode is disable: the login goes unencrypted", **base)
        if not offered:
            st.use_tls = False
            if s.ssl_mode in ("require", "verify-ca", "verify-full"):
                return Outcome.of([make_finding(
                    "db.tls_unavailable", f"sslMode {s.ssl_mode} needs TLS, but {greeting.product} "
                    f"{greeting.version_number} at {s.host}:{s.port} does not offer it (no CLIENT_SSL "
                    "capability in its greeting)", evidence={**base, **greeting.facts()},
                    # MySQL's own words: the catalogue's generic fix names PostgreSQL's keys too.
                    fix=[f"Enable TLS on the server ({SERVER_SETTING}) with a certificate the "
                         "platform trusts, then restart it.",
                         "Only if the network path is private and trusted: sslMode=prefer or "
                         "disable (SslMode=Preferred in the connection string)."])], **base)
            findings = []
            if ctx.target.cloud:
                findings.append(make_finding(
                    "tls.plaintext", f"{s.host}:{s.port} offers no TLS: the login and the data would "
                    "cross the internet unencrypted", severity=Severity.WARN,
                    evidence={**base, "host": s.host, "port": s.port},
                    fix=[f"On the server (its administrator): enable TLS with {SERVER_SETTING} and a "
                         "certificate the platform trusts, then restart it.",
                         "Then require it in the connection: sslMode=require (verify-full with a "
                         "trusted certificate); in the platform's connection string "
                         "SslMode=Required."]))
            if not findings:
                return Outcome.not_applicable(
                    f"the server offers no TLS; sslMode {s.ssl_mode} goes unencrypted", **base, tls=False)
            return Outcome.of(findings, **base, tls=False)
        st.use_tls = True
        # The TCP layer's connection can go on to TLS unless the identification probe wrote to it.
        sock, st.sock = st.sock, None
        known = None if st.sock_used else greeting
        values: dict[str, Any] = {"host": s.host, "port": s.port, "server_hostname": s.server_hostname}
        where = {**base, "address": f"{st.peer[0]}:{st.peer[1]}", "server_hostname": s.server_hostname,
                 "ca_bundle": s.ca_bundle or "system default"}
        try:
            facts = await start_tls(sock, st.peer, tls_context(s), s.server_hostname,
                                    ctx.step_timeout, greeting=known)
        except ssl.SSLCertVerificationError as exc:
            evidence = {**where, "verify_code": exc.verify_code, "verify_message": exc.verify_message,
                        **await self._shown(ctx)}
            return Outcome.of([self._refused(exc, evidence, values)], **base)
        except (ssl.SSLError, OSError, TimeoutError, NotMysql) as exc:
            reason = (f"no TLS answer within {ctx.step_timeout:g} s" if isinstance(exc, TimeoutError)
                      else f"{type(exc).__name__}: {exc}")
            return Outcome.of([make_finding(
                "tls.handshake_failed", f"{s.host}:{s.port}: the TLS handshake failed ({reason})",
                evidence={**where, "error": reason}, **values)], **base)
        st.tls = facts
        ctx.transcript.add("tls", f"{s.server_hostname}: {facts.get('protocol')} {facts.get('cipher')}")
        return Outcome.of(**where, **facts, tls=True, certificate_checked=s.verify_certificate)

    async def _shown(self, ctx: Context[Any, Any]) -> dict[str, Any]:
        """The refused certificate, fetched over a second, unverified handshake just to show it."""
        st: MysqlState = ctx.state
        assert st.peer is not None
        try:
            return await start_tls(None, st.peer, client_context(None, verify=False),
                                   ctx.settings.server_hostname, ctx.step_timeout, greeting=None)
        except (ssl.SSLError, OSError, TimeoutError, ValueError) as exc:
            return {"certificate_unavailable": f"{type(exc).__name__}: {exc}"}
