"""The MySQL client/server protocol's first packets, read and written by hand (no client library).

A MySQL or MariaDB server speaks first: one *initial handshake* packet (protocol 10) with its
version, capability flags (``CLIENT_SSL`` says it can do TLS), character set and default
authentication plugin — or an error packet instead (1130: no account for this client's host,
1129: host blocked after too many broken connections, 1040: too many connections). Reading it
costs nothing on the server's side but a connection, and tells the protocol, product and TLS
layers all they need before a password is ever sent.

For TLS a client answers the greeting with a 32-byte *SSLRequest* (its capabilities with
``CLIENT_SSL`` set) and then starts the TLS handshake on the same connection.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

CLIENT_LONG_PASSWORD = 0x1  # MariaDB reads this bit as "CLIENT_MYSQL"
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_PROTOCOL_41 = 0x200
CLIENT_SSL = 0x800
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000

_CAPABILITY_NAMES = {
    0x1: "LONG_PASSWORD", 0x8: "CONNECT_WITH_DB", 0x20: "COMPRESS", 0x200: "PROTOCOL_41",
    0x800: "SSL", 0x8000: "SECURE_CONNECTION", 0x10000: "MULTI_STATEMENTS",
    0x80000: "PLUGIN_AUTH", 0x100000: "CONNECT_ATTRS", 0x200000: "PLUGIN_AUTH_LENENC_DATA",
    0x400000: "CAN_HANDLE_EXPIRED_PASSWORDS", 0x1000000: "DEPRECATE_EOF",
}
#: Longest server text kept (a version string, an error message): a hostile server may send MBs.
TEXT_CAP = 512


class NotMysql(ValueError):
    """The bytes are not a MySQL initial handshake or error packet."""


@dataclass(frozen=True)
class ServerError:
    """An error packet sent instead of the greeting (or after a request)."""

    errno: int
    message: str
    sqlstate: str | None = None


@dataclass(frozen=True)
class Greeting:
    """The facts of a server's initial handshake packet."""

    protocol_version: int
    server_version: str
    connection_id: int
    capabilities: int
    charset: int
    status: int
    auth_plugin: str | None
    error: ServerError | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def product(self) -> str:
        """``MariaDB`` or ``MySQL`` (MariaDB names itself in the version: ``10.11.6-MariaDB``)."""
        return "MariaDB" if "mariadb" in self.server_version.lower() else "MySQL"

    @property
    def version_shown(self) -> str:
        """``10.11.6-MariaDB-log`` of ``5.5.5-10.11.6-MariaDB-log``: MariaDB's old replication
        prefix (sent so that old clients accept it) is no version of the server."""
        text = self.server_version
        if text.startswith("5.5.5-") and self.product == "MariaDB":
            text = text[len("5.5.5-"):]
        return text

    @property
    def version_number(self) -> str:
        """``10.11.6`` of ``5.5.5-10.11.6-MariaDB-log`` (MariaDB's old replication prefix dropped)."""
        return self.version_shown.split("-", 1)[0]

    @property
    def supports_tls(self) -> bool:
        return bool(self.capabilities & CLIENT_SSL)

    def capability_names(self) -> list[str]:
        return [name for bit, name in _CAPABILITY_NAMES.items() if self.capabilities & bit]

    def facts(self) -> dict[str, Any]:
        """The greeting for a check's facts and evidence."""
        return {"product": self.product, "server_version": self.version_shown,
                "protocol_version": self.protocol_version, "tls_offered": self.supports_tls,
                "default_auth_plugin": self.auth_plugin, "capabilities": self.capability_names(),
                "connection_id": self.connection_id}


def _text(raw: bytes) -> str:
    return raw[:TEXT_CAP].decode("utf-8", "replace")


def parse_error(payload: bytes) -> ServerError:
    """An ERR packet's payload (``0xff``, errno, optional ``#SQLSTATE``, message), bounded."""
    if len(payload) < 3 or payload[0] != 0xFF:
        raise NotMysql("not an error packet")
    errno = struct.unpack("<H", payload[1:3])[0]
    rest = payload[3:]
    state = None
    if rest[:1] == b"#" and len(rest) >= 6:
        state, rest = rest[1:6].decode("ascii", "replace"), rest[6:]
    return ServerError(errno, _text(rest), state)


def parse_greeting(raw: bytes) -> Greeting:
    """Parse the first packet a server sent (``raw`` may be truncated by the reader's cap).

    Raises :class:`NotMysql` for bytes that are not one."""
    if len(raw) < 5 or raw[3] != 0:
        raise NotMysql("no MySQL packet header")
    length = raw[0] | raw[1] << 8 | raw[2] << 16
    payload = raw[4:4 + length]
    if payload[:1] == b"\xff":
        return Greeting(0, "", 0, 0, 0, 0, None, error=parse_error(payload))
    if payload[:1] != b"\x0a":
        raise NotMysql(f"protocol version {payload[0]} (MySQL speaks 10)")
    end = payload.find(b"\x00", 1)
    if end < 0:
        raise NotMysql("server version is not terminated")
    version = _text(payload[1:end])
    pos = end + 1
    if len(payload) < pos + 4 + 8 + 1 + 2:
        raise NotMysql("greeting too short")
    conn_id = struct.unpack("<I", payload[pos:pos + 4])[0]
    pos += 4 + 8 + 1  # auth-plugin-data part 1 and its filler
    caps = struct.unpack("<H", payload[pos:pos + 2])[0]
    pos += 2
    charset = status = 0
    plugin: str | None = None
    extra: dict[str, Any] = {}
    if len(payload) >= pos + 16:
        charset = payload[pos]
        status = struct.unpack("<H", payload[pos + 1:pos + 3])[0]
        caps |= struct.unpack("<H", payload[pos + 3:pos + 5])[0] << 16
        auth_len = payload[pos + 5]
        reserved = payload[pos + 6:pos + 16]
        if not caps & CLIENT_LONG_PASSWORD:  # MariaDB: its extended capabilities sit here
            extra["mariadb_capabilities"] = struct.unpack("<I", reserved[6:10])[0]
        pos += 16
        if caps & CLIENT_SECURE_CONNECTION:
            pos += max(13, auth_len - 8)
        if caps & CLIENT_PLUGIN_AUTH and pos < len(payload):
            stop = payload.find(b"\x00", pos)
            plugin = _text(payload[pos:stop if stop >= 0 else len(payload)]) or None
    return Greeting(10, version, conn_id, caps, charset, status, plugin, extra=extra)


def ssl_request(greeting: Greeting) -> bytes:
    """The SSLRequest packet (sequence 1) answering ``greeting``: 'switch to TLS now'."""
    caps = (CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH
            | (greeting.capabilities & CLIENT_LONG_PASSWORD))
    charset = greeting.charset or 45  # utf8mb4_general_ci
    payload = struct.pack("<IIB", caps, 1 << 24, charset) + b"\x00" * 23
    return struct.pack("<I", len(payload))[:3] + b"\x01" + payload
