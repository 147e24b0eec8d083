"""Layer 4 — greeting: is this an FTP server, and will it take a session?

The server speaks first (``220``). The shared protocol identification
(:mod:`sourcedoctor.checks.identify`) names what answered from its first bytes; an FTP reply is
then read within bounds (:mod:`..wire`) on the TCP layer's connection. An SSH banner means an
SFTP server (``ftp.is_sftp``); other bytes are named (``ftp.not_ftp``); ``421`` is a server at its
connection limit (``ftp.greeting_refused``). For ``ftps://`` we then send ``AUTH TLS`` on the
same connection and leave it to the shared TLS layer for the handshake; for ``ftps+implicit://``
the TLS layer comes first and the greeting is read inside TLS. For plain ``ftp://`` the run says
once that everything travels in clear text (``ftp.plaintext``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.identify import identify, identify_socket
from ....checks.tls import client_context
from ....codes import make_finding
from ....model import Finding
from ..settings import FtpSettings
from ..state import FtpState
from ..wire import MAX_REPLY, Reply, ReplyTooLong, describe_other, escape_bytes, parse_reply, ssh_banner


@dataclass(frozen=True)
class Read:
    """One bounded reply read: the reply, or why there is none (``ended``)."""

    reply: Reply | None
    data: bytes
    #: "reply" | "timeout" | "closed" | "reset" | "not_ftp" | "too_long"
    ended: str
    elapsed_ms: float
    problem: str = ""


async def read_reply(recv: Callable[[], Awaitable[bytes]], timeout: float, *,
                     initial: bytes = b"") -> Read:
    """Read one FTP reply through ``recv`` within ``timeout`` and the reply bounds; ``initial``
    is what was already read from the same connection."""
    buf = b""
    pending = initial
    t0 = time.monotonic()
    deadline = t0 + timeout

    def done(reply: Reply | None, ended: str, problem: str = "") -> Read:
        return Read(reply, buf, ended, round((time.monotonic() - t0) * 1000, 1), problem)

    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return done(None, "timeout")
        try:
            chunk, pending = (pending, b"") if pending else (await asyncio.wait_for(recv(), left), b"")
        except TimeoutError:
            return done(None, "timeout")
        except ConnectionResetError:
            return done(None, "reset")
        except OSError as exc:
            return done(None, "closed", str(exc))
        if not chunk:
            return done(None, "closed")
        buf += chunk
        if ssh_banner(buf) is not None and b"\n" in buf:
            return done(None, "not_ftp")
        try:
            reply = parse_reply(buf)
        except ValueError:
            return done(None, "not_ftp")
        except ReplyTooLong as exc:
            return done(None, "too_long", exc.what)
        if reply is not None:
            return done(reply, "reply")
        if len(buf) > MAX_REPLY + 1024:  # parse_reply bounds this; belt and braces
            return done(None, "too_long", f"more than {MAX_REPLY} bytes")


def judge_greeting(read: Read, s: FtpSettings, peer: str, named: str | None = None) -> list[Finding]:
    """The findings for a greeting that is not a usable ``220`` (``named``: what the shared
    identification says answered, when it knows)."""
    values: dict[str, Any] = {"host": s.host, "port": s.port, "user": s.login_user,
                              "folder": s.folder}
    if read.ended == "not_ftp":
        banner = ssh_banner(read.data)
        if banner is not None:
            return [make_finding(
                "ftp.is_sftp", f"{peer} is an SSH server ({banner}): this is an SFTP server, use "
                f"the SFTP connector (sftp://…)", evidence={"ssh_banner": banner}, **values)]
        kind = named or describe_other(read.data)
        return [make_finding("ftp.not_ftp", f"{peer} answered with {kind}, not an FTP greeting",
                             evidence={"answered": kind, "bytes": escape_bytes(read.data),
                                       "length": len(read.data)}, **values)]
    if read.ended == "too_long":
        return [make_finding("ftp.protocol_error", f"{peer}'s greeting is {read.problem}",
                             evidence={"problem": read.problem, "bytes_read": len(read.data),
                                       "start": escape_bytes(read.data, 120)}, **values)]
    if read.reply is None:
        how = {"timeout": "sent no complete greeting within the timeout",
               "closed": "closed the connection before greeting",
               "reset": "reset the connection before greeting"}[read.ended]
        evidence: dict[str, Any] = {"how": read.ended, "after_ms": read.elapsed_ms}
        if read.data:
            evidence["partial"] = escape_bytes(read.data)
        return [make_finding("ftp.no_greeting", f"{peer} accepted TCP but {how}",
                             evidence=evidence, **values)]
    if read.reply.code != 220:
        return [make_finding(
            "ftp.greeting_refused", f"{peer} refused the session: {read.reply.lines[0][:200]}",
            evidence={"reply": list(read.reply.lines[:20])}, **values)]
    return []


class GreetingCheck(Check[FtpSettings, FtpState]):
    """Read the greeting on the TCP layer's connection; ask for TLS when ftps:// is set."""

    id = "ftp.greeting"
    title = "FTP greeting"
    needs = ("tcp.connect",)
    timeout_steps = 2.2  # the greeting, then the AUTH TLS answer

    async def run(self, ctx: Context[FtpSettings, FtpState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.sock is not None and st.peer is not None
        sock = st.sock
        peer = f"{st.peer[0]}:{st.peer[1]}"
        loop = asyncio.get_running_loop()

        async def recv() -> bytes:
            return await loop.sock_recv(sock, 4096)

        # The shared identification names SSH, HTTP, TLS and SMTP from the first bytes; an FTP
        # reply (220, or a 421 refusal) is then read to its end within the reply bounds.
        seen = await identify_socket(sock, host=s.host, timeout=ctx.step_timeout, expect="ftp")
        if seen.protocol in ("ssh", "http", "tls", "smtp"):
            read = Read(None, seen.raw, "not_ftp", seen.elapsed_ms)
        elif seen.protocol == "silent" or not seen.raw:
            how = seen.ended if seen.ended in ("timeout", "reset") else "closed"
            read = Read(None, b"", how, seen.elapsed_ms)
        else:
            left = max(0.1, ctx.step_timeout - seen.elapsed_ms / 1000)
            read = await read_reply(recv, left, initial=seen.raw)
        findings = judge_greeting(read, s, peer, seen.name if seen.protocol != "unknown" else None)
        if findings:
            return Outcome.of(findings)
        assert read.reply is not None
        st.greeting = list(read.reply.lines[:20])
        ctx.transcript.add("ftp", f"greeting: {read.reply.lines[0][:200]}")
        facts: dict[str, Any] = {"greeting": st.greeting, "greeting_ms": read.elapsed_ms}
        if s.tls_mode == "none":
            self._close(st)
            return Outcome.of([make_finding(
                "ftp.plaintext", f"ftp:// to {s.host}: the password and the data travel unencrypted",
                evidence={"scheme": "ftp", "port": s.port}, host=s.host, port=s.port)], **facts)
        return await self._auth_tls(ctx, sock, recv, facts)

    async def _auth_tls(self, ctx: Context[FtpSettings, FtpState], sock: socket.socket,
                        recv: Callable[[], Awaitable[bytes]], facts: dict[str, Any]) -> Outcome:
        s = ctx.settings
        loop = asyncio.get_running_loop()
        with contextlib.suppress(OSError):  # the reply read below says how the connection ended
            await asyncio.wait_for(loop.sock_sendall(sock, b"AUTH TLS\r\n"), ctx.step_timeout)
        answer = await read_reply(recv, ctx.step_timeout)
        if answer.reply is not None and answer.reply.code == 234:
            facts["auth_tls"] = answer.reply.lines[0][:200]
            return Outcome.of(**facts)  # the TLS layer takes the socket over from here
        self._close(ctx.state)
        said = (answer.reply.lines[0][:200] if answer.reply is not None
                else f"no answer ({answer.ended})")
        return Outcome.of([make_finding(
            "ftp.tls_unavailable", f"{s.host} refused AUTH TLS: {said}",
            evidence={"command": "AUTH TLS", "reply": said}, host=s.host, port=s.port)], **facts)

    @staticmethod
    def _close(st: FtpState) -> None:
        if st.sock is not None:
            with contextlib.suppress(OSError):
                st.sock.close()
            st.sock = None


class ImplicitGreetingCheck(GreetingCheck):
    """ftps+implicit://: the greeting inside TLS, after the shared TLS layer verified it."""

    needs = ("tls.handshake",)
    timeout_steps = 2.2

    async def run(self, ctx: Context[FtpSettings, FtpState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.peer is not None
        peer = f"{st.peer[0]}:{st.peer[1]}"
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(
                st.peer[0], st.peer[1], ssl=client_context(s.ca_bundle),
                server_hostname=s.server_hostname, ssl_handshake_timeout=ctx.step_timeout),
                ctx.step_timeout)
        except OSError as exc:  # the TLS layer's handshake worked a moment ago: the server went away
            return Outcome.of([make_finding(
                "ftp.no_greeting", f"{peer} did not take a second TLS connection ({exc})",
                evidence={"how": "closed", "error": f"{type(exc).__name__}: {exc}"},
                host=s.host, port=s.port)])
        try:
            read = await read_reply(lambda: reader.read(4096), ctx.step_timeout)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), ctx.step_timeout)
        findings = judge_greeting(read, s, peer)
        if findings:
            return Outcome.of(findings)
        assert read.reply is not None
        st.greeting = list(read.reply.lines[:20])
        return Outcome.of(greeting=st.greeting, greeting_ms=read.elapsed_ms, inside_tls=True)


async def judge_implicit_port(ctx: Context[FtpSettings, FtpState]) -> Finding | None:
    """After a failed implicit-TLS handshake: listen on a new connection to what the port says by
    itself (bounded by the step timeout). A plain FTP greeting is ``ftp.not_implicit_tls``, an
    SSH banner ``ftp.is_sftp``; anything else (or nothing) leaves the TLS finding as it is."""
    s, st = ctx.settings, ctx.state
    peer = st.peer or (s.host, s.port)
    try:
        seen = await identify(peer[0], peer[1], timeout=ctx.step_timeout, expect="ftp")
    except (OSError, TimeoutError):
        return None
    values: dict[str, Any] = {"host": s.host, "port": s.port, "user": s.login_user,
                              "folder": s.folder}
    if seen.protocol == "ssh":
        return make_finding(
            "ftp.is_sftp", f"{s.host}:{s.port} is an SSH server ({seen.banner}), not implicit "
            "FTPS: this is an SFTP server, use the SFTP connector (sftp://…)",
            evidence={"ssh_banner": seen.banner}, **values)
    if seen.protocol == "ftp":
        return make_finding(
            "ftp.not_implicit_tls", f"{s.host}:{s.port} greets in plain FTP ({seen.banner}): no "
            "TLS from the first byte, so ftps+implicit:// cannot work on this port",
            evidence={"greeting": seen.banner}, **values)
    return None
