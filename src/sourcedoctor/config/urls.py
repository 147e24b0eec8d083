"""Settings errors and ``sftp://`` URL parsing: light (no pydantic), for every command's edge."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
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


#: DNS limits (RFC 1035): 63 octets per label, 253 characters for the name without its final dot.
MAX_LABEL = 63
MAX_NAME = 253


def host_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a DNS host name (label or total length, an empty label), or None.

    One trailing dot (a fully qualified ``host.example.com.``) is allowed. Characters are the
    caller's business; this is about the shape every resolver enforces.
    """
    bare = name[:-1] if name.endswith(".") else name
    if not bare:
        return "is empty; give the server's name or IP address"
    if len(bare) > MAX_NAME:
        return f"is {len(bare)} characters long; a DNS name has at most {MAX_NAME}"
    for label in bare.split("."):
        if not label:
            return "has an empty label (two dots in a row, or a leading dot)"
        if len(label) > MAX_LABEL:
            return (f"has a label of {len(label)} characters ({label[:12]}…); "
                    f"DNS allows at most {MAX_LABEL} between two dots")
    return None


def _control_character(text: str) -> None:
    """Refuse a control or invisible character anywhere in the URL: ``urlsplit`` would silently
    drop tabs and line breaks (``lab/go\\nod`` would become ``lab/good``)."""
    # Imported here: the escaper lives with the report writers, which this light module must not
    # pull in for commands that never parse a URL.
    from ..report.escape import first_unsafe_char

    found = first_unsafe_char(text)
    if found is not None:
        index, shown = found
        raise SettingsError("url", f"contains the control character {shown} at position {index + 1}; "
                                   "remove it (a URL holds no line breaks, tabs or invisible characters)")


def _bracketed_host(netloc: str, scheme: str = "sftp") -> str | None:
    """The IPv6 address inside ``[...]`` with its zone decoded (``%25eth0`` → ``%eth0``), or None
    when the host is not bracketed. Raises SettingsError when brackets hold no IPv6 address."""
    hostport = netloc.rpartition("@")[2]
    if not hostport.startswith("["):
        if hostport.count(":") > 1:
            raise SettingsError("url", f"the IPv6 address in {hostport!r} needs brackets: write [ADDR] "
                                       f"or [ADDR]:PORT, e.g. {scheme}://user@[2001:db8::10]:"
                                       + ("22/folder" if scheme == "sftp" else "PORT/…"))
        return None
    inside = hostport[1:].partition("]")[0]
    address = unquote(inside)  # RFC 6874 writes the zone delimiter '%' as %25
    try:
        if ipaddress.ip_address(address).version == 6:
            return address
    except ValueError:
        pass
    raise SettingsError("url", f"[{inside}] is not an IPv6 address; brackets are only for IPv6 "
                               "(write a name or IPv4 address without them)")


def refuse_control_characters(url: str) -> None:
    """:class:`SettingsError` on ``url`` for a control or invisible character anywhere in it."""
    _control_character(url)


def parse_url_with(url: str, parse: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """``parse(url)`` for any connector's URL, with the rules every URL shares: a URL ``urlsplit``
    cannot take apart (``s3://u@[::1/x``: "Invalid IPv6 URL") is a :class:`SettingsError` on
    ``url``, not a crash; an unbracketed IPv6 address gets the bracket hint; a bracketed zone is
    decoded. The caller also calls :func:`refuse_control_characters` once the connector's own
    checks had their say (``urlsplit`` drops tabs and line breaks silently)."""
    scheme, _, rest = url.strip().partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    try:
        # One host (a list such as Kafka's h1:9092,h2:9092 is the connector's own business): an
        # unbracketed IPv6 address gets the bracket hint, not urlsplit's "Port could not be cast".
        bracketed = None if "," in authority else _bracketed_host(authority, scheme.lower() or "sftp")
        values = parse(url)
    except SettingsError:
        raise  # the connector's own words (and field: the inlet's is inlet_url)
    except ValueError as exc:
        _control_character(url)  # an escape sequence is the better reason for the failure
        scheme = scheme.strip().lower() or "the"
        raise SettingsError("url", f"is malformed ({exc}); `sourcedoctor connectors` shows the "
                                   f"form of {scheme}:// URLs") from None
    host = values.get("host")
    if bracketed and isinstance(host, str) and unquote(host).lower() == bracketed.lower():
        values["host"] = bracketed  # the zone decoded (%25eth0 → %eth0), as written
    return values


def parse_sftp_url(url: str) -> dict[str, Any]:
    """Split ``sftp://USER[:PASS]@HOST[:PORT][/FOLDER]`` into settings values.

    ``/inbound/daily`` after the host is relative to the login directory (``inbound/daily``);
    ``//srv/in`` is the absolute ``/srv/in``. A password in the URL is returned under ``password``;
    the caller warns about it and must never echo it. IPv6 addresses go in brackets, with an
    optional zone (``[fe80::1%25eth0]``); a control character anywhere is refused, never dropped.
    """
    text = url.strip()
    if not re.match(r"^sftp://", text, re.I):
        raise SettingsError("url", "must start with sftp:// (e.g. sftp://user@host/folder)")
    _control_character(text)
    bracketed = _bracketed_host(text[len("sftp://"):].partition("/")[0])
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise SettingsError("url", f"is malformed ({exc}); use sftp://user@host[:port]/folder") from None
    if parts.query or parts.fragment:
        raise SettingsError("url", "must not contain '?' or '#'; quote the folder if it has them")
    values: dict[str, Any] = {}
    host = bracketed or parts.hostname or ""
    if not host:
        raise SettingsError("host", "is missing; use sftp://user@host")
    values["host"] = host
    if port is not None:
        values["port"] = port
    if parts.username:
        values["user"] = unquote(parts.username)
    if parts.password is not None:
        values["password"] = unquote(parts.password)
    folder = folder_of_path(parts.path)
    if folder is not None:
        values["folder"] = folder
    return values


def folder_of_path(url_path: str) -> str | None:
    """The folder a file-server URL's path names (sftp://, ftp://): ``/in/daily`` is relative to
    the login directory (``in/daily``), ``//srv/in`` is the absolute ``/srv/in``; None: no path."""
    path = unquote(url_path)
    if path.startswith("//"):
        return "/" + path.lstrip("/")
    if path.startswith("/"):
        return path[1:]
    return None
