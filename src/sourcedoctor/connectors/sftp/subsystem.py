"""What the server does with a request for the ``sftp`` subsystem, as the client can observe it.

When the SFTP client will not start, "the server refuses the subsystem" is only one of several
things that can have happened, and each points at a different fix:

- the SSH connection itself ended right after a successful login (OpenSSH does this when it cannot
  enter the ``ChrootDirectory``: it checks ownership and modes only after authentication);
- the server refused to open a session channel (``MaxSessions 0``);
- the server answered the subsystem request with a failure (no ``Subsystem sftp`` line);
- the channel closed before the server answered the request;
- the subsystem started, then ended with an exit status (and maybe text) before saying anything
  in SFTP (a ``ForceCommand`` naming a missing program: status 127; a ``nologin`` shell running an
  external sftp-server: "This account is currently not available.");
- text arrived before the SFTP VERSION packet (a login shell that prints).

:func:`observe_subsystem` opens one raw session channel on the subsystem, sends SSH_FXP_INIT itself
and records everything the server sends back, so the check can tell these apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from dataclasses import dataclass
from typing import Any

import asyncssh

FXP_INIT = struct.pack(">IBI", 5, 1, 3)
FXP_VERSION = 2
#: Most bytes kept of what the server sends on stdout and on stderr.
KEEP_BYTES = 64 * 1024

#: What happened, in the order a session is set up (see the module docstring).
STAGES = (
    "connection_closed",
    "channel_refused",
    "subsystem_refused",
    "closed_before_reply",
    "exited",
    "noise",
    "started",
    "silent",
)


@dataclass(frozen=True)
class SubsystemObservation:
    """Everything the client saw while asking for the ``sftp`` subsystem on one channel."""

    stage: str
    #: Channel-open failure: the SSH reason code and the server's text.
    channel_error: tuple[int, str] | None = None
    exit_status: int | None = None
    exit_signal: str | None = None
    #: Bytes on stdout before a VERSION packet (all of them when none came).
    output: bytes = b""
    stderr: bytes = b""

    def evidence(self) -> dict[str, Any]:
        """The facts as report evidence (server text decoded leniently, bounded)."""
        facts: dict[str, Any] = {"stage": self.stage}
        if self.channel_error is not None:
            facts["channel_error"] = {"code": self.channel_error[0], "reason": self.channel_error[1]}
        if self.exit_status is not None:
            facts["exit_status"] = self.exit_status
        if self.exit_signal is not None:
            facts["exit_signal"] = self.exit_signal
        if self.output:
            facts["output"] = decode_text(self.output)
        if self.stderr:
            facts["stderr"] = decode_text(self.stderr)
        return facts


def decode_text(data: bytes, limit: int = 2048) -> str:
    """Server text for evidence: at most ``limit`` bytes, undecodable bytes replaced."""
    return data[:limit].decode("utf-8", errors="replace")


def find_version_packet(buf: bytes) -> int | None:
    """Offset of a plausible SSH_FXP_VERSION packet in ``buf`` (what follows any noise)."""
    for i in range(len(buf) - 8):
        length, ptype, version = struct.unpack_from(">IBI", buf, i)
        if ptype == FXP_VERSION and 1 <= version <= 6 and 5 <= length < 65536:
            return i
    return None


class _Recorder(asyncssh.SSHClientSession[bytes]):
    """Keeps what arrives on the channel; ``changed`` fires on every arrival and at the close."""

    def __init__(self) -> None:
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.exit_status: int | None = None
        self.exit_signal: str | None = None
        self.closed = False
        self.changed = asyncio.Event()

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        buf = self.stderr if datatype == asyncssh.EXTENDED_DATA_STDERR else self.stdout
        buf += data[: max(0, KEEP_BYTES - len(buf))]
        self.changed.set()

    def exit_status_received(self, status: int) -> None:
        self.exit_status = status
        self.changed.set()

    def exit_signal_received(
        self, signal: str, core_dumped: bool, msg: str, lang: str
    ) -> None:
        self.exit_signal = f"{signal}: {msg}" if msg else signal
        self.changed.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.changed.set()


async def observe_subsystem(
    conn: asyncssh.SSHClientConnection, timeout: float
) -> SubsystemObservation:
    """Ask for the ``sftp`` subsystem on a fresh channel and record what the server does.

    Waits at most ``timeout`` seconds in all; never raises for what the server does (a failure is
    the observation), only for cancellation.
    """
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    if conn.is_closed():
        return SubsystemObservation("connection_closed")
    rec = _Recorder()
    try:
        chan, _ = await asyncio.wait_for(
            conn.create_session(lambda: rec, subsystem="sftp", encoding=None), timeout
        )
    except asyncssh.ChannelOpenError as exc:
        error = (exc.code, exc.reason)
        if conn.is_closed():
            return SubsystemObservation("connection_closed", channel_error=error)
        if exc.code == asyncssh.OPEN_REQUEST_SESSION_FAILED:
            # The recorder exists only once the channel opened; its close before the answer to
            # the request is what tells "closed" from "refused".
            stage = "closed_before_reply" if rec.closed else "subsystem_refused"
            return _observed(stage, rec)
        return SubsystemObservation("channel_refused", channel_error=error)
    except TimeoutError:
        return SubsystemObservation("silent")
    except (asyncssh.Error, OSError):
        if conn.is_closed():
            return SubsystemObservation("connection_closed")
        raise
    try:
        with contextlib.suppress(OSError, asyncssh.Error):  # already closed: observed below
            chan.write(FXP_INIT)
        while True:
            cut = find_version_packet(bytes(rec.stdout))
            if cut is not None:
                return _observed("noise" if cut else "started", rec, cut)
            if rec.closed:
                return _observed("exited", rec)
            remaining = end - loop.time()
            if remaining <= 0:
                break
            rec.changed.clear()
            try:
                await asyncio.wait_for(rec.changed.wait(), remaining)
            except TimeoutError:
                break
        # Still open, no VERSION: text so far is noise; nothing at all is a silent server.
        return _observed("noise" if rec.stdout else "silent", rec)
    finally:
        chan.close()


def _observed(stage: str, rec: _Recorder, cut: int | None = None) -> SubsystemObservation:
    output = bytes(rec.stdout if cut is None else rec.stdout[:cut])
    return SubsystemObservation(
        stage,
        exit_status=rec.exit_status,
        exit_signal=rec.exit_signal,
        output=output,
        stderr=bytes(rec.stderr),
    )
