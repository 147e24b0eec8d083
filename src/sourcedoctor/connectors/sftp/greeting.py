"""The first exchange on every SSH connection: our identification out, the server's in.

We send our line at once (as OpenSSH does), so services that wait for the client to speak first
(HTTP, TLS) reveal themselves, then read until the server's ``SSH-`` line, the deadline, the peer
closing or :data:`~.wire.MAX_IDENT_BYTES`. The banner layer judges what came back; the transport
layer uses the same exchange when it opens a further key-exchange connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from dataclasses import dataclass

from ...checks.identify import classify
from .session import client_ident
from .wire import MAX_IDENT_BYTES, Identification, find_identification


@dataclass(frozen=True)
class Greeting:
    """What the server sent before (and with) its identification, and how the read ended."""

    #: Every byte read: lines before the identification, the line, maybe the start of KEXINIT.
    data: bytes
    ident: Identification | None
    #: "" when the identification arrived; else "timeout", "closed", "reset", "too_long" or
    #: "not_ssh" (another protocol's greeting arrived: no use waiting).
    ended: str
    elapsed: float


async def exchange_identification(sock: socket.socket, timeout: float) -> Greeting:
    """Send our identification and read the server's within ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    deadline = t0 + timeout
    buf = b""
    with contextlib.suppress(OSError):
        await loop.sock_sendall(sock, client_ident())
    while True:
        found = find_identification(buf)
        if found is not None:
            return Greeting(buf, found[0], "", time.monotonic() - t0)
        if len(buf) >= MAX_IDENT_BYTES:
            ended = "too_long"
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            ended = "timeout"
            break
        try:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 4096), remaining)
        except TimeoutError:
            ended = "timeout"
            break
        except ConnectionResetError:
            ended = "reset"
            break
        except OSError:
            ended = "closed"
            break
        if not chunk:
            ended = "closed"
            break
        buf += chunk
        if _other_protocol(buf):
            ended = "not_ssh"  # an FTP/SMTP/HTTP greeting will not turn into SSH: stop waiting
            break
    return Greeting(buf, None, ended, time.monotonic() - t0)


def _other_protocol(buf: bytes) -> bool:
    """Does ``buf`` start with another protocol's complete greeting (``220 …`` of FTP or SMTP,
    an HTTP status line, a TLS record, a MySQL handshake)? Lines before an SSH identification
    are allowed (RFC 4253 4.2), but these are not such lines: the server is not SSH."""
    if find_identification(buf) is not None:
        return False
    protocol, _ = classify(buf)
    if protocol in ("ftp", "smtp", "http"):
        return b"\n" in buf  # a whole line, not the first bytes of one
    return protocol in ("tls", "mysql")
