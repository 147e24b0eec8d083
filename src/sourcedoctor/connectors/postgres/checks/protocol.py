"""Layers 4-5 — what answers on the port, and whether TLS can be negotiated as sslMode wants.

``db.protocol`` listens first (SSH, MySQL, FTP and SMTP servers speak first), then sends
PostgreSQL's SSLRequest on the TCP layer's socket: a PostgreSQL server answers one byte, ``S`` (TLS
offered) or ``N`` (not). Anything else is ``db.wrong_protocol`` naming what answered; nothing at
all is ``db.server_silent``. ``db.tls`` compares that answer with sslMode. ``tls.handshake`` (the
shared TLS layer) then judges the certificate over the same socket for verify-ca/verify-full.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.identify import SSL_REQUEST, identify_socket
from ....checks.tls import TlsCheck, _handshake
from ....codes import make_finding
from ....model import Finding, Severity
from ..settings import DEFAULT_PORT, PostgresSettings
from ..state import PostgresState

_DEFAULT_PORTS = {"mysql": 3306, "ssh": 22, "ftp": 21, "http": 80, "tls": 443, "smtp": 25}


class ProtocolCheck(Check[PostgresSettings, PostgresState]):
    """Identify the protocol on the port (PostgreSQL's SSLRequest as the probe)."""

    id = "db.protocol"
    title = "Protocol identification"
    needs = ("tcp.connect",)
    timeout_steps = 1.2

    async def run(self, ctx: Context[PostgresSettings, PostgresState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.sock is not None
        found = await identify_socket(st.sock, host=s.host, timeout=ctx.step_timeout, expect="postgresql")
        where = f"{s.host}:{s.port}"
        facts: dict[str, Any] = {"answered": found.protocol, "after_ms": found.elapsed_ms}
        ctx.transcript.add("protocol", f"{where} → {found.protocol} {found.banner[:60]!r}")
        if found.protocol == "postgresql":
            st.ssl_answer = found.detail
            facts["ssl_request_answer"] = {"S": "S (TLS offered)", "N": "N (no TLS)"}.get(
                found.detail, found.detail
            )
            if found.detail != "S":
                self._close(st)
            return Outcome.of(**facts)
        self._close(st)
        if found.protocol in ("silent", "unknown") and not found.raw:
            how = (f"sent nothing within {ctx.step_timeout:g} s" if found.ended == "timeout"
                   else f"{found.ended} the connection without a byte")
            return Outcome.of(
                [
                    make_finding(
                        "db.server_silent",
                        f"{where} accepted TCP but {how} in answer to PostgreSQL's SSLRequest",
                        evidence={
                            "waited_s": ctx.step_timeout,
                            "how": found.ended,
                            "probe_sent": found.probe_sent,
                        },
                        host=s.host,
                        port=s.port,
                    )
                ],
                **facts,
            )
        summary = f"{where} answered as {found.name}, not PostgreSQL"
        if found.protocol == "mysql":
            summary += f" (server version {found.detail})" if not found.detail.startswith("error") else ""
        return Outcome.of(
            [
                make_finding(
                    "db.wrong_protocol",
                    summary,
                    evidence={
                        "answered": found.protocol,
                        "bytes": found.banner,
                        "detail": found.detail,
                        "port": s.port,
                        "probe_sent": found.probe_sent,
                    },
                    port=s.port,
                    found=found.name,
                    expected="PostgreSQL",
                    default_port=DEFAULT_PORT,
                )
            ],
            **facts,
        )

    @staticmethod
    def _close(st: PostgresState) -> None:
        if st.sock is not None:
            with contextlib.suppress(OSError):
                st.sock.close()
            st.sock = None


class TlsNegotiationCheck(Check[PostgresSettings, PostgresState]):
    """sslMode against the server's SSLRequest answer."""

    id = "db.tls"
    title = "TLS negotiation"
    needs = ("db.protocol",)

    async def run(self, ctx: Context[PostgresSettings, PostgresState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        mode, offered = s.ssl_mode, st.ssl_answer == "S"
        facts: dict[str, Any] = {"ssl_mode": mode, "server_offers_tls": offered}
        if not offered and mode in ("require", "verify-ca", "verify-full"):
            return Outcome.of(
                [
                    make_finding(
                        "db.tls_unavailable",
                        f"sslMode={mode} requires TLS, but {s.host}:{s.port} answered the SSLRequest with "
                        f"'{st.ssl_answer}' (the server has ssl = off)",
                        evidence={"ssl_mode": mode, "ssl_request_answer": st.ssl_answer},
                        server_setting="postgresql.conf: ssl = on, ssl_cert_file, ssl_key_file; then reload",
                    )
                ],
                **facts,
            )
        # allow: libpq tries plain first; disable: never TLS. prefer and stricter: TLS when offered.
        st.use_tls = offered and mode not in ("disable", "allow")
        facts["login_encrypted"] = st.use_tls
        if not st.use_tls and st.sock is not None:
            with contextlib.suppress(OSError):
                st.sock.close()
            st.sock = None
        if not st.use_tls and mode != "disable" and ctx.target.cloud:
            # The same rule as MySQL's (docs/databases.md): under a cloud target a connection that
            # ends up unencrypted is said; sslMode=disable is the user's explicit choice.
            return Outcome.of([_plaintext(s.host, s.port, mode, offered)], **facts)
        return Outcome.of(**facts)


def _plaintext(host: str, port: int, mode: str, offered: bool) -> Finding:
    """tls.plaintext with PostgreSQL's fix: the server's TLS settings, or a stricter sslMode."""
    if offered:  # allow: plain first, although the server offers TLS
        fix = [f"The server offers TLS: set sslMode=require (verify-full with a trusted "
               f"certificate) instead of {mode}."]
        why = f"sslMode={mode} connects without TLS although the server offers it"
    else:
        fix = ["On the server (its administrator): ssl = on with ssl_cert_file and ssl_key_file in "
               "postgresql.conf and a certificate the platform trusts; then SELECT pg_reload_conf();",
               "Then require it in the connection: sslMode=require (verify-full with a trusted "
               "certificate)."]
        why = "the server offers no TLS (ssl = off)"
    return make_finding(
        "tls.plaintext", f"{host}:{port}: {why}: the login and the data would cross the internet "
        "unencrypted", severity=Severity.WARN,
        evidence={"host": host, "port": port, "ssl_mode": mode, "server_offers_tls": offered}, fix=fix)


async def _pg_tls_socket(peer: tuple[str, int], timeout: float) -> socket.socket:
    """A new connection on which SSLRequest was answered ``S``: ready for a TLS handshake."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in peer[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, peer), timeout)
        await asyncio.wait_for(loop.sock_sendall(sock, SSL_REQUEST), timeout)
        answer = await asyncio.wait_for(loop.sock_recv(sock, 1), timeout)
    except BaseException:
        sock.close()
        raise
    if answer != b"S":
        sock.close()
        raise ssl.SSLError(f"the server answered {answer!r} to SSLRequest")
    return sock


class PgTlsCheck(TlsCheck):
    """The shared TLS layer over PostgreSQL's SSLRequest (certificate chain, expiry, host name).

    Judged only when sslMode verifies the certificate (verify-ca, verify-full): with prefer or
    require a client encrypts without checking, so an untrusted certificate is no fault there."""

    needs = ("db.tls",)
    starttls = "postgres"

    async def judge(self, ctx: Context[Any, Any]) -> Outcome:
        s, st = ctx.settings, ctx.state
        if not st.use_tls or not s.tls:
            with contextlib.suppress(OSError):
                if st.sock is not None:
                    st.sock.close()
            st.sock = None
            return Outcome.not_applicable(
                f"sslMode={s.ssl_mode}: the certificate is not verified"
                if st.use_tls
                else "the login is not encrypted"
            )
        outcome = await super().judge(ctx)
        if s.ssl_mode == "verify-ca":  # verify-ca checks the chain, never the name
            kept = tuple(f for f in outcome.findings if f.code != "tls.hostname_mismatch")
            outcome = Outcome(kept, outcome.facts, outcome.status, outcome.blocked_by)
        return outcome

    async def _shown_certificate(self, ctx: Context[Any, Any]) -> dict[str, Any]:
        assert ctx.state.peer is not None
        try:
            sock = await _pg_tls_socket(ctx.state.peer, ctx.step_timeout)
            try:
                from ....checks.tls import client_context

                return await _handshake(
                    sock,
                    ctx.state.peer,
                    client_context(None, verify=False),
                    ctx.settings.server_hostname,
                    ctx.step_timeout,
                )
            finally:
                sock.close()
        except (ssl.SSLError, OSError, TimeoutError, ValueError) as exc:
            return {"certificate_unavailable": f"{type(exc).__name__}: {exc}"}

    async def _public_trust(self, ctx: Context[Any, Any], values: dict[str, Any]) -> list[Finding]:
        # The shared probe opens a bare TLS connection, which PostgreSQL (before 17) refuses: it
        # could only fail, and a failure here would say nothing about the certificate.
        return []
