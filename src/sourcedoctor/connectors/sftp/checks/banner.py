"""Layer 4 — banner: does an SSH server answer, and which one?

We send our identification at once (as OpenSSH does), so services that wait for the client to speak
first (HTTP, TLS) reveal themselves, then read until the server's ``SSH-`` line
(``connectors/sftp/greeting.py``). Lines before it are allowed (RFC 4253 4.2) and kept as evidence.
A server that is still in the middle of an ``SSH-`` line when time runs out is slow, not something
else: that is ``ssh.banner_timeout``, never ``ssh.not_ssh``.
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....sentence import Sentence
from ..greeting import exchange_identification
from ..settings import SftpSettings
from ..state import SftpState
from ..wire import describe_non_ssh, escape_bytes, identification_pending


class BannerCheck(Check[SftpSettings, SftpState]):
    """Read the identification line; name what answered when it is not SSH."""

    id = "ssh.banner"
    title = "SSH banner"
    needs = ("tcp.connect",)
    timeout_steps = 1.2

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        sock = ctx.state.sock
        assert sock is not None
        greeting = await exchange_identification(sock, ctx.step_timeout)
        buf, ident = greeting.data, greeting.ident
        after_ms = round(greeting.elapsed * 1000, 1)
        if ident is not None:
            ctx.state.preread = buf
            ctx.transcript.add("banner", f"server identification: {ident.line}")
            facts: dict[str, Any] = {"identification": ident.line, "software": ident.software,
                                     "protocol": ident.protocol, "comments": ident.comments,
                                     "banner_ms": after_ms}
            if ident.pre_lines:
                facts["pre_banner_lines"] = list(ident.pre_lines)
            if not ident.ascii_only:
                facts["identification_not_ascii"] = True
            if ident.protocol not in ("2.0", "1.99"):
                kind, excerpt = describe_non_ssh(buf)
                return Outcome.of([make_finding(
                    "ssh.not_ssh", f"the server speaks SSH protocol {ident.protocol}, not 2.0",
                    evidence={"answered": kind, "bytes": excerpt})], **facts)
            return Outcome.of(**facts)
        peer = f"{ctx.state.peer[0]}:{ctx.state.peer[1]}" if ctx.state.peer else "the server"
        pending = identification_pending(buf)
        if buf and not pending:
            kind, excerpt = describe_non_ssh(buf)
            ctx.transcript.add("banner", f"not SSH: {kind}")
            return Outcome.of([make_finding(
                "ssh.not_ssh", f"{peer} answered with {kind}, not SSH",
                evidence={"answered": kind, "bytes": excerpt, "length": len(buf)},
                fix=_ftp_fix(ctx.settings) if kind.startswith("FTP") else None)])
        # Nothing yet, or the start of an SSH identification: the server is slow or went away.
        partial = {"partial_identification": escape_bytes(buf[-200:]), "length": len(buf)} if buf else {}
        if greeting.ended in ("closed", "reset"):
            return Outcome.of([make_finding(
                "ssh.closed_before_banner",
                f"{peer} accepted TCP, then {greeting.ended} the connection before "
                + ("finishing its SSH banner" if buf else "sending an SSH banner"),
                evidence={"how": greeting.ended, "after_ms": after_ms, **partial})])
        return Outcome.of([make_finding(
            "ssh.banner_timeout",
            f"{peer} accepted TCP but "
            + (f"sent only {len(buf)} bytes of an SSH banner" if buf else "sent no SSH banner")
            + f" within {ctx.step_timeout:g} s",
            evidence={"waited_s": ctx.step_timeout, **partial})])


def _ftp_fix(settings: SftpSettings) -> list[str]:
    """An FTP greeting: the customer gave an FTP server for an SFTP source (or the wrong port).
    Both ways out, with the FTP connector's command for this very server."""
    values = {"user": settings.user, "host": settings.host, "port": settings.port,
              "folder": settings.folder.strip("/")}
    return [
        Sentence("This port speaks FTP: diagnose it with the FTP connector, "
                 "sourcedoctor check ftp://{user}@{host}:{port}/{folder} --password-env VAR "
                 "(ftps:// if the server offers TLS).", values),
        Sentence("If SFTP was meant, use the port where sshd listens on {host} (usually 22).",
                 values),
    ]
