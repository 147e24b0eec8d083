"""Layer 4 — banner: does an SSH server answer, and which one?

We send our identification at once (as OpenSSH does), so services that wait for the client to speak
first (HTTP, TLS) reveal themselves, then read until the server's ``SSH-`` line.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from ..codes import make_finding
from ..config.sftp import SftpSettings
from ..connectors.sftp.session import client_ident
from ..connectors.sftp.state import SftpState
from ..connectors.sftp.wire import MAX_IDENT_BYTES, describe_non_ssh, find_identification
from .base import Check, Context, Outcome


class BannerCheck(Check[SftpSettings, SftpState]):
    """Read the identification line; name what answered when it is not SSH."""

    id = "ssh.banner"
    title = "SSH banner"
    needs = ("tcp.connect",)
    timeout_steps = 1.2

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        sock = ctx.state.sock
        assert sock is not None
        loop = asyncio.get_running_loop()
        buf = b""
        closed = reset = False
        t0 = time.monotonic()
        with contextlib.suppress(OSError):
            await loop.sock_sendall(sock, client_ident())
        deadline = t0 + ctx.step_timeout
        while len(buf) < MAX_IDENT_BYTES:
            found = find_identification(buf)
            if found is not None:
                ident, _ = found
                ctx.state.preread = buf
                ctx.transcript.add("banner", f"server identification: {ident.line}")
                facts: dict[str, Any] = {"identification": ident.line, "software": ident.software,
                         "protocol": ident.protocol, "comments": ident.comments,
                         "banner_ms": round((time.monotonic() - t0) * 1000, 1)}
                if ident.pre_lines:
                    facts["pre_banner_lines"] = list(ident.pre_lines)
                if ident.protocol not in ("2.0", "1.99"):
                    kind, excerpt = describe_non_ssh(buf)
                    return Outcome.of([make_finding(
                        "ssh.not_ssh", f"the server speaks SSH protocol {ident.protocol}, not 2.0",
                        evidence={"answered": kind, "bytes": excerpt})], **facts)
                return Outcome.of(**facts)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(sock, 4096), remaining)
            except TimeoutError:
                break
            except ConnectionResetError:
                reset = True
                break
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            buf += chunk
        peer = f"{ctx.state.peer[0]}:{ctx.state.peer[1]}" if ctx.state.peer else "the server"
        if buf:
            kind, excerpt = describe_non_ssh(buf)
            ctx.transcript.add("banner", f"not SSH: {kind}")
            return Outcome.of([make_finding(
                "ssh.not_ssh", f"{peer} answered with {kind}, not SSH",
                evidence={"answered": kind, "bytes": excerpt, "length": len(buf)})])
        if closed or reset:
            how = "reset" if reset else "closed"
            return Outcome.of([make_finding(
                "ssh.closed_before_banner",
                f"{peer} accepted TCP, then {how} the connection before sending an SSH banner",
                evidence={"how": how, "after_ms": round((time.monotonic() - t0) * 1000, 1)})])
        return Outcome.of([make_finding(
            "ssh.banner_timeout",
            f"{peer} accepted TCP but sent no SSH banner within {ctx.step_timeout:g} s",
            evidence={"waited_s": ctx.step_timeout})])
