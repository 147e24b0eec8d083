"""Layer 8 — SFTP subsystem: start it on the logged-in connection; explain when it will not start.

A login shell that prints text corrupts the stream before SFTP's first packet; clients then report
an absurd packet length. To show the culprit text we open a raw channel on the ``sftp`` subsystem,
send SSH_FXP_INIT ourselves and read what comes back before the VERSION packet.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from typing import Any

import asyncssh

from ..codes import make_finding
from ..config.sftp import SftpSettings
from ..connectors.sftp.state import SftpState
from ..sources.sftp import SftpSource
from .base import Check, Context, Outcome

FXP_INIT = struct.pack(">IBI", 5, 1, 3)
FXP_VERSION = 2
#: How much of the noise we keep as evidence.
NOISE_LIMIT = 2048


async def read_subsystem_noise(conn: asyncssh.SSHClientConnection, timeout: float) -> bytes:
    """Bytes the server sends on the sftp subsystem before a well-formed VERSION packet."""
    writer, reader, _ = await asyncio.wait_for(
        conn.open_session(subsystem="sftp", encoding=None), timeout
    )
    try:
        writer.write(FXP_INIT)
        buf = b""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while len(buf) < 64 * 1024:
            remaining = end - loop.time()
            if remaining <= 0:
                break
            try:
                chunk = await asyncio.wait_for(reader.read(4096), remaining)
            except TimeoutError:
                break
            if not chunk:
                break
            buf += bytes(chunk)
            cut = find_version_packet(buf)
            if cut is not None:
                return bytes(buf[:cut])
        return bytes(buf)
    finally:
        writer.close()


def find_version_packet(buf: bytes) -> int | None:
    """Offset of a plausible SSH_FXP_VERSION packet in ``buf`` (what follows the noise)."""
    for i in range(len(buf) - 8):
        length, ptype, version = struct.unpack_from(">IBI", buf, i)
        if ptype == FXP_VERSION and 1 <= version <= 6 and 5 <= length < 65536:
            return i
    return None


def noise_text(noise: bytes) -> str:
    return noise[:NOISE_LIMIT].decode("utf-8", errors="replace")


class SftpSessionCheck(Check[SftpSettings, SftpState]):
    """Start the SFTP client; report its version and extensions."""

    id = "sftp.session"
    title = "SFTP subsystem"
    needs = ("ssh.auth",)

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        conn = ctx.state.conn
        assert conn is not None
        try:
            sftp = await asyncio.wait_for(conn.start_sftp_client(), ctx.step_timeout)
        except asyncssh.ChannelOpenError as exc:
            return self._unavailable(str(exc))
        except (asyncssh.SFTPError, asyncssh.Error, OSError) as exc:
            if "subsystem" in str(exc).lower() or "session request failed" in str(exc).lower():
                return self._unavailable(str(exc))
            return await self._diagnose_noise(ctx, conn, exc)
        ctx.resources.callback(sftp.exit)
        ctx.state.sftp = sftp
        ctx.state.source = SftpSource(sftp)
        handler = getattr(sftp, "_handler", None)
        extensions = sorted(
            name.removeprefix("_supports_")
            for name in dir(handler) if name.startswith("_supports_") and getattr(handler, name)
        )
        limits: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            lim = sftp.limits
            limits = {"max_read_len": lim.max_read_len, "max_open_handles": lim.max_open_handles}
        ctx.transcript.add("sftp", f"SFTP version {sftp.version}, extensions {extensions}")
        return Outcome.of(version=sftp.version, extensions=extensions, **limits)

    @staticmethod
    def _unavailable(error: str) -> Outcome:
        return Outcome.of([make_finding(
            "sftp.subsystem_unavailable",
            "login works, but the server refuses to start the sftp subsystem",
            evidence={"error": error})])

    async def _diagnose_noise(
        self, ctx: Context[SftpSettings, SftpState], conn: asyncssh.SSHClientConnection,
        exc: BaseException,
    ) -> Outcome:
        error = f"{type(exc).__name__}: {exc}"
        try:
            noise = await read_subsystem_noise(conn, ctx.step_timeout)
        except (asyncssh.Error, OSError, TimeoutError) as probe_exc:
            if isinstance(probe_exc, asyncssh.ChannelOpenError):
                return self._unavailable(str(probe_exc))
            noise = b""
        if noise:
            text = noise_text(noise)
            first4 = struct.unpack(">I", noise[:4])[0] if len(noise) >= 4 else None
            ctx.transcript.add("sftp", f"{len(noise)} bytes of text before the SFTP stream")
            return Outcome.of([make_finding(
                "sftp.shell_noise",
                f"the login shell printed {len(noise)} bytes before SFTP started: "
                f"{text.strip()[:80]!r}",
                evidence={"text": text, "bytes": len(noise), "client_error": error,
                          "read_as_length": first4,
                          "likely_source": "~/.bashrc (run for non-interactive shells), "
                                           "/etc/bash.bashrc or ~/.profile of this user"},
            )])
        return Outcome.of([make_finding(
            "sftp.subsystem_unavailable", f"the SFTP session could not start ({error})",
            evidence={"error": error})])
