"""Just enough of the PostgreSQL wire protocol to learn which login method the server asks for.

Before the one real login, the auth layer sends a StartupMessage (user, database) and reads the
server's first answer: an AuthenticationRequest (trust/ok, cleartext, md5, SASL with its mechanism
list, GSS, SSPI) or an ErrorResponse (a pg_hba.conf rejection arrives here, before any password).
It then closes without answering: no password is ever sent, so the server records no failed login
(its log shows at most "connection received"/"could not receive data"). Documented in
https://www.postgresql.org/docs/current/protocol-message-formats.html.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
from dataclasses import dataclass, field

from ...checks.identify import SSL_REQUEST

#: Largest message accepted from the server (an error message is a few hundred bytes).
MAX_MESSAGE = 16 * 1024
#: Longest error text kept (a hostile server may send megabytes).
MAX_TEXT = 1000

AUTH_NAMES = {
    0: "trust",
    2: "kerberos-v5",
    3: "password",
    5: "md5",
    6: "scm-credential",
    7: "gss",
    9: "sspi",
    10: "scram-sha-256",
}


class WireError(Exception):
    """The server's answer was not a PostgreSQL message (or too big): message is safe to show."""


@dataclass(frozen=True)
class AuthProbe:
    """The server's first answer to our startup message."""

    method: str | None = None  # "trust", "md5", "scram-sha-256", "password", "gss", "sspi"...
    mechanisms: tuple[str, ...] = ()
    error: dict[str, str] = field(default_factory=dict)  # ErrorResponse fields: S, C (SQLSTATE), M ...
    tls: bool = False

    @property
    def sqlstate(self) -> str | None:
        return self.error.get("C")

    @property
    def message(self) -> str:
        return self.error.get("M", "")


def startup_message(user: str, database: str) -> bytes:
    """Protocol 3.0 StartupMessage (names are sent as the protocol wants them: NUL-terminated UTF-8)."""
    body = struct.pack("!i", 196608)
    for key, value in (("user", user), ("database", database), ("application_name", "sourcedoctor")):
        body += key.encode() + b"\x00" + value.encode("utf-8", "replace").replace(b"\x00", b"") + b"\x00"
    body += b"\x00"
    return struct.pack("!i", len(body) + 4) + body


def parse_error_fields(payload: bytes) -> dict[str, str]:
    """ErrorResponse/NoticeResponse fields (type byte → text), each bounded."""
    out: dict[str, str] = {}
    for part in payload.split(b"\x00"):
        if not part:
            continue
        out[chr(part[0])] = part[1:].decode("utf-8", "replace")[:MAX_TEXT]
    return out


async def read_message(reader: asyncio.StreamReader, timeout: float) -> tuple[bytes, bytes]:
    """(type byte, payload) of one message, bounded in size and time."""
    head = await asyncio.wait_for(reader.readexactly(5), timeout)
    kind, length = head[:1], struct.unpack("!i", head[1:])[0]
    if not kind.isalpha() or length < 4:
        raise WireError(f"not a PostgreSQL message (starts with {head!r})")
    if length > MAX_MESSAGE:
        # Keep only the start of a huge message; never buffer megabytes.
        payload = await asyncio.wait_for(reader.read(MAX_MESSAGE), timeout)
        return kind, payload
    return kind, await asyncio.wait_for(reader.readexactly(length - 4), timeout)


async def probe_auth(
    host: str,
    port: int,
    *,
    user: str,
    database: str,
    tls: ssl.SSLContext | None,
    server_hostname: str,
    timeout: float,
) -> AuthProbe:
    """Open a connection (TLS after SSLRequest when ``tls`` is given), send the startup message,
    read the first answer, close without answering it."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        if tls is not None:
            writer.write(SSL_REQUEST)
            await writer.drain()
            answer = await asyncio.wait_for(reader.readexactly(1), timeout)
            if answer != b"S":
                raise WireError(f"the server answered {answer!r} to SSLRequest (no TLS)")
            await asyncio.wait_for(writer.start_tls(tls, server_hostname=server_hostname or None), timeout)
        writer.write(startup_message(user, database))
        await writer.drain()
        kind, payload = await read_message(reader, timeout)
        if kind == b"R" and len(payload) >= 4:
            code = struct.unpack("!i", payload[:4])[0]
            mechs: tuple[str, ...] = ()
            if code == 10:
                mechs = tuple(m.decode("ascii", "replace") for m in payload[4:].split(b"\x00") if m)[:8]
            return AuthProbe(AUTH_NAMES.get(code, f"code {code}"), mechs, tls=tls is not None)
        if kind == b"E":
            return AuthProbe(None, (), parse_error_fields(payload), tls=tls is not None)
        raise WireError(f"unexpected first message {kind!r}")
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)
