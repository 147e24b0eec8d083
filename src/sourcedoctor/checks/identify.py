"""Shared layer — protocol identification: what really answers on a host:port?

Used by every connector whose users paste a host and a port (PostgreSQL, MySQL/MariaDB, FTP...): a
wrong port is the most common mistake, and "connection failed" hides what answered instead.

How: connect (or take a connected socket), then **listen first** for a short while
(:data:`SPEAK_FIRST_WAIT`), because SSH, MySQL/MariaDB, FTP and SMTP servers speak first. If the
server stays silent, send the probe of the protocol we ``expect`` (PostgreSQL: the 8-byte
SSLRequest, which every PostgreSQL server answers with one byte ``S`` or ``N``; HTTP and TLS: an
HTTP ``HEAD``, which a TLS endpoint answers with an alert record) and classify the answer. Reads
are bounded (:data:`MAX_READ` bytes) and every wait is within ``timeout``.

:func:`identify` opens its own connection; :func:`identify_socket` works on a connected
non-blocking socket the caller owns (the TCP layer's), leaving it open so a PostgreSQL connector
can go on with the TLS handshake after an ``S``.

Classification (:func:`classify`) needs only the first bytes:

==================  ============================================================================
``ssh``             ``SSH-`` identification line
``mysql``           a MySQL/MariaDB packet: 3-byte length, sequence 0, protocol 10 + version, or an
                    error packet ``0xff`` (e.g. 1130 "Host ... is not allowed to connect")
``postgresql``      exactly ``S`` or ``N`` after an SSLRequest, or an ``E`` ErrorResponse
``ftp``/``smtp``    ``220`` greeting (SMTP when it says SMTP/ESMTP/mail)
``http``            ``HTTP/1.x`` status line
``tls``             a TLS record header (alert 0x15 / handshake 0x16, version 3.x)
``silent``          connected, nothing received before the timeout
``unknown``         bytes that are none of the above, or closed without a byte
==================  ============================================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import struct
import time
from dataclasses import dataclass

PROTOCOLS = ("postgresql", "mysql", "ssh", "ftp", "http", "tls", "smtp", "unknown", "silent")

#: How long to listen before speaking: a server-speaks-first protocol greets within milliseconds.
SPEAK_FIRST_WAIT = 0.3
#: Bytes read at most (a MySQL greeting is ~100 bytes, an SSH banner ≤ 255).
MAX_READ = 4096
#: Printable excerpt length.
BANNER_CHARS = 200

#: PostgreSQL SSLRequest: length 8, request code 80877103 (1234 << 16 | 5679).
SSL_REQUEST = struct.pack("!ii", 8, 80877103)

_NAMES = {
    "postgresql": "PostgreSQL",
    "mysql": "MySQL/MariaDB",
    "ssh": "an SSH server",
    "ftp": "an FTP server",
    "http": "an HTTP server",
    "tls": "a TLS endpoint",
    "smtp": "an SMTP server",
    "unknown": "an unknown service",
    "silent": "nothing (silence)",
}


@dataclass(frozen=True)
class Identified:
    """What answered. ``banner`` is a printable, bounded excerpt; ``raw`` the first bytes."""

    protocol: str
    banner: str
    raw: bytes = b""
    detail: str = ""  # e.g. PostgreSQL's SSLRequest answer "S"/"N", the MySQL server version
    ended: str = "data"  # "data", "timeout" (silent), "closed", "reset"
    probe_sent: bool = False
    elapsed_ms: float = 0.0

    @property
    def name(self) -> str:
        """Human name: "an SSH server", "MySQL/MariaDB"..."""
        return describe(self.protocol)


def describe(protocol: str) -> str:
    """A protocol id as words for a sentence."""
    return _NAMES.get(protocol, protocol)


def printable(raw: bytes, limit: int = BANNER_CHARS) -> str:
    """Bytes as one printable line: ASCII kept, the rest escaped, bounded."""
    out: list[str] = []
    for byte in raw[: limit * 4]:
        ch = chr(byte)
        if 32 <= byte < 127:
            out.append(ch)
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(f"\\x{byte:02x}")
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mysql(raw: bytes) -> str | None:
    """The server version of a MySQL greeting ("10" protocol) or "error NNNN" for an error packet."""
    if len(raw) < 5 or raw[3] != 0:
        return None
    length = raw[0] | raw[1] << 8 | raw[2] << 16
    if length < 1 or length > 0xFFFF:
        return None
    if raw[4] == 10:
        end = raw.find(b"\x00", 5)
        version = raw[5 : end if end > 0 else 5 + 60]
        if re.match(rb"^\d+\.\d+", version):
            return version.decode("ascii", "replace")
        return None
    if raw[4] == 0xFF and len(raw) >= 7:
        return f"error {struct.unpack('<H', raw[5:7])[0]}"
    return None


def classify(raw: bytes, *, probe: str = "") -> tuple[str, str]:
    """(protocol, detail) of the first bytes a server sent (after ``probe`` if one was sent)."""
    if not raw:
        return "unknown", ""
    if raw.startswith(b"SSH-"):
        return "ssh", raw.split(b"\n", 1)[0].strip().decode("ascii", "replace")[:100]
    version = _mysql(raw)
    if version is not None:
        return "mysql", version
    if probe == "postgresql":
        if raw in (b"S", b"N"):
            return "postgresql", raw.decode()
        if raw[:1] == b"E" and len(raw) >= 5 and 8 <= struct.unpack("!i", raw[1:5])[0] < 65536:
            return "postgresql", "E"
    if raw.startswith(b"220"):
        head = raw[:200].upper()
        return ("smtp" if b"SMTP" in head or b"MAIL" in head else "ftp"), printable(raw[:120])
    if re.match(rb"^HTTP/\d\.\d \d{3}", raw):
        return "http", raw.split(b"\r\n", 1)[0].decode("ascii", "replace")[:100]
    if len(raw) >= 3 and raw[0] in (0x15, 0x16) and raw[1] == 3 and raw[2] <= 4:
        return "tls", "alert" if raw[0] == 0x15 else "handshake"
    return "unknown", ""


def _probe_bytes(expect: str, host: str) -> bytes:
    if expect == "postgresql":
        return SSL_REQUEST
    if expect in ("http", "tls"):
        return f"HEAD / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode("ascii", "replace")
    return b""


async def _recv(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, wait: float, want: int
) -> tuple[bytes, str]:
    """Read until ``want`` bytes, a quiet pause after data, close or ``wait``; (data, how it ended)."""
    buf = bytearray()
    deadline = time.monotonic() + wait
    while len(buf) < want:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(buf), "data" if buf else "timeout"
        # Once something arrived, give the rest of the greeting a short moment only.
        step = min(left, 0.15) if buf else left
        try:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, want - len(buf)), step)
        except TimeoutError:
            if buf:
                return bytes(buf), "data"
            continue
        except ConnectionResetError:
            return bytes(buf), "data" if buf else "reset"
        except OSError:
            return bytes(buf), "data" if buf else "closed"
        if not chunk:
            return bytes(buf), "data" if buf else "closed"
        buf += chunk
        if bytes(buf) in (b"S", b"N"):  # PostgreSQL's whole answer: do not wait for more (TLS follows)
            return bytes(buf), "data"
    return bytes(buf), "data"


async def identify_socket(
    sock: socket.socket, *, host: str, timeout: float, expect: str, first_wait: float = SPEAK_FIRST_WAIT
) -> Identified:
    """Identify what speaks on a connected non-blocking ``sock``; the socket is left open.

    After a PostgreSQL ``S`` the next bytes on ``sock`` belong to the TLS handshake."""
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    raw, ended = await _recv(loop, sock, min(first_wait, timeout), MAX_READ)
    probe_sent = False
    probe = _probe_bytes(expect, host)
    if not raw and ended == "timeout":
        left = max(0.0, timeout - (time.monotonic() - t0))
        if probe:
            probe_sent = True
            try:
                await asyncio.wait_for(loop.sock_sendall(sock, probe), left or 0.01)
            except (OSError, TimeoutError):
                ended = "closed"
            else:
                left = max(0.0, timeout - (time.monotonic() - t0))
                raw, ended = await _recv(loop, sock, left, MAX_READ)
        else:
            raw, ended = await _recv(loop, sock, left, MAX_READ)
    elapsed = round((time.monotonic() - t0) * 1000, 1)
    if not raw:
        protocol = "silent" if ended == "timeout" else "unknown"
        return Identified(protocol, "", b"", "", ended, probe_sent, elapsed)
    protocol, detail = classify(raw, probe=expect if probe_sent else "")
    return Identified(protocol, printable(raw), raw[:MAX_READ], detail, "data", probe_sent, elapsed)


async def identify(host: str, port: int, *, timeout: float, expect: str) -> Identified:
    """Connect to ``host:port`` and identify what answers (see the module doc); closes afterwards.

    A refused/unreachable connection raises :class:`OSError` (the TCP layer reports those)."""
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, addr), timeout)
        return await identify_socket(sock, host=host, timeout=timeout, expect=expect)
    finally:
        with contextlib.suppress(OSError):
            sock.close()
