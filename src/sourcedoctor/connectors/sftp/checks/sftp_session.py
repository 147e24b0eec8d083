"""Layer 8 — SFTP subsystem: start it on the logged-in connection; explain when it will not start.

When the client will not start, one raw session channel on the ``sftp`` subsystem shows what the
server really did (:mod:`sourcedoctor.connectors.sftp.subsystem`): closed the connection after
login, refused the channel, refused the subsystem, ran something that exited, or printed text
before SFTP's first packet (a login shell that prints; clients then report an absurd packet
length). Each gets its own code, so the advice fits: "enable the subsystem" only when the server
said it has none.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import asyncssh

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ....sentence import say
from ..pipeline import start_client
from ..settings import SftpSettings
from ..source import SftpSource
from ..state import SftpState
from ..subsystem import SubsystemObservation, decode_text, observe_subsystem
from . import sftp_session_causes as causes

#: How much of the noise we keep as evidence.
NOISE_LIMIT = 2048


class SftpSessionCheck(Check[SftpSettings, SftpState]):
    """Start the SFTP client; report its version and extensions."""

    id = "sftp.session"
    title = "SFTP subsystem"
    needs = ("ssh.auth",)
    #: One step for the client, one for the raw-channel diagnosis when it does not start.
    timeout_steps = 2.0

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        conn = ctx.state.conn
        assert conn is not None
        try:
            # surrogateescape: a file name that is not UTF-8 (bytes a server may well hold) is
            # carried through listing and reads as it is, instead of failing the encode.
            sftp = await asyncio.wait_for(start_client(conn, path_errors="surrogateescape"),
                                          ctx.step_timeout)
        except (asyncssh.Error, OSError) as exc:  # TimeoutError included
            # The client's error names the symptom, not the cause: look at what the server does.
            return await self._diagnose(ctx, conn, exc)
        ctx.resources.callback(sftp.exit)
        ctx.state.sftp = sftp
        ctx.state.source = SftpSource(sftp)
        handler = getattr(sftp, "_handler", None)
        extensions = sorted(
            name.removeprefix("_supports_")
            for name in dir(handler) if name.startswith("_supports_") and getattr(handler, name)
        )
        # The server's limits (read size) are still on their way: the files layer reports them.
        ctx.transcript.add("sftp", f"SFTP version {sftp.version}, extensions {extensions}")
        return Outcome.of(version=sftp.version, extensions=extensions)

    async def _diagnose(
        self, ctx: Context[SftpSettings, SftpState], conn: asyncssh.SSHClientConnection,
        exc: BaseException,
    ) -> Outcome:
        error = f"{type(exc).__name__}: {exc}"
        obs = await observe_subsystem(conn, ctx.step_timeout)
        ctx.transcript.add("sftp", f"sftp subsystem: {obs.stage} ({error})")
        return Outcome.of([finding_for(obs, error, ctx.settings.user, ctx.step_timeout)])


def finding_for(obs: SubsystemObservation, error: str, user: str, waited: float) -> Finding:
    """The finding for what the server did with the subsystem request (see ``obs.stage``)."""
    evidence: dict[str, Any] = {**obs.evidence(), "client_error": error}
    if obs.stage == "noise":
        return _shell_noise(obs.output, error)
    if obs.stage == "subsystem_refused":
        return make_finding(
            "sftp.subsystem_unavailable",
            "login works, but the server refuses to start the sftp subsystem", evidence=evidence)
    if obs.stage == "channel_refused":
        reason = obs.channel_error[1] if obs.channel_error else ""
        return make_finding(
            "sftp.channel_refused",
            say("login works, but the server refuses to open a session ({reason})",
                reason=reason or "no reason given"),
            evidence=evidence, user=user)
    if obs.stage == "silent":
        return make_finding(
            "check.timeout", f"the sftp subsystem sent nothing within {waited:g} s",
            evidence={**evidence, "check": SftpSessionCheck.id, "budget_s": waited})
    if obs.stage == "started":  # the raw channel works where the client did not: say so plainly
        return make_finding(
            "sftp.subsystem_unavailable", say("the SFTP session could not start ({error})",
                                              error=error),
            evidence=evidence)
    likely = causes.likely_causes(obs)
    evidence["likely_causes"] = [c.id for c in likely]
    return make_finding(
        "sftp.session_closed", causes.describe(obs), evidence=evidence,
        fix=[causes.READ_THE_LOG, *(c.step(user) for c in likely)])


def _shell_noise(noise: bytes, error: str) -> Finding:
    text = decode_text(noise, NOISE_LIMIT)
    first4 = struct.unpack(">I", noise[:4])[0] if len(noise) >= 4 else None
    return make_finding(
        "sftp.shell_noise",
        say("the login shell printed {count} bytes before SFTP started: {noise}",
            count=len(noise), noise=repr(text.strip()[:80])),
        evidence={"text": text, "bytes": len(noise), "client_error": error,
                  "read_as_length": first4,
                  "likely_source": "~/.bashrc (run for non-interactive shells), "
                                   "/etc/bash.bashrc or ~/.profile of this user"},
    )
