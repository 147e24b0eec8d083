"""Settings errors and ``sftp://`` URL parsing: light (no pydantic), for every command's edge."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import unquote, urlsplit


class SettingsError(ValueError):
    """Invalid settings; ``field`` names the offending field, ``message`` says how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_resolver(value: str) -> tuple[str, int]:
    """``IP``, ``IP:PORT`` or ``[IPv6]:PORT`` → (ip, port). Raises ValueError naming the field."""
    text = value.strip()
    port_text = "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port_text = rest[1:]
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host = text
    if not port_text.isdigit():
        raise ValueError(f"port {port_text!r} is not a number (use IP or IP:PORT)")
    port = int(port_text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address (use IP or IP:PORT)") from None
    if not 1 <= port <= 65535:
        raise ValueError("port must be between 1 and 65535")
    return host, port


def parse_sftp_url(url: str) -> dict[str, Any]:
    """Split ``sftp://USER[:PASS]@HOST[:PORT][/FOLDER]`` into settings values.

    ``/inbound/daily`` after the host is relative to the login directory (``inbound/daily``);
    ``//srv/in`` is the absolute ``/srv/in``. A password in the URL is returned under ``password``;
    the caller warns about it and must never echo it.
    """
    text = url.strip()
    if not re.match(r"^sftp://", text, re.I):
        raise SettingsError("url", "must start with sftp:// (e.g. sftp://user@host/folder)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise SettingsError("url", f"is malformed ({exc}); use sftp://user@host[:port]/folder") from None
    if parts.query or parts.fragment:
        raise SettingsError("url", "must not contain '?' or '#'; quote the folder if it has them")
    values: dict[str, Any] = {}
    host = parts.hostname or ""
    if not host:
        raise SettingsError("host", "is missing; use sftp://user@host")
    values["host"] = host
    if port is not None:
        values["port"] = port
    if parts.username:
        values["user"] = unquote(parts.username)
    if parts.password is not None:
        values["password"] = unquote(parts.password)
    path = unquote(parts.path)
    if path.startswith("//"):
        values["folder"] = "/" + path.lstrip("/")
    elif path.startswith("/"):
        values["folder"] = path[1:]
    return values
