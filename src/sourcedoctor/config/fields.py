"""Settings fields every connector shares: the CLI marker and the field validators.

A connector's settings model declares its fields itself (names, platform aliases, descriptions);
what is the same everywhere lives here, so a CA bundle, a resolver, a port or an endpoint URL is
judged — and its mistake worded — the same way whichever source it belongs to:

* :func:`cli` builds a field's ``json_schema_extra`` (the option name; ``secret=True`` for a value
  that only comes from ``--NAME-env VAR`` / ``--NAME-stdin`` / a prompt; ``url_only=True`` for a
  field the URL argument always gives).
* ``Annotated`` types (:data:`CaBundle`, :data:`Resolver`, :data:`PositiveInt`, :data:`Port`,
  :data:`OptionalPort`, :data:`KeyId`, :data:`Region`) carry their validator, so a model
  states the rule in the field's type.
* Plain functions (:func:`endpoint_parts`, :func:`plain_text`, :func:`check_host_name`, …) serve
  validators that add a connector's own rules before or after the shared ones.

Every validator raises ``ValueError`` with the reason only; :func:`..validation.build` names the
field. Only the standard library and pydantic are imported (no client SDK).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated, Any, Protocol
from urllib.parse import SplitResult, urlsplit

from pydantic import AfterValidator

from ..userfiles import UserFileError, read_ca_bundle
from .urls import host_name_problem, parse_resolver

#: The characters of a host name (letters, digits, ``_``, ``.``, ``-``; no dot or hyphen at the ends).
HOST_CHARS = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$")  # one final dot: an FQDN
#: An AWS-style region name (``eu-west-1``, ``us-gov-west-1``).
REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


def cli(name: str, *, secret: bool = False, url_only: bool = False,
        multiline: bool = False) -> dict[str, Any]:
    """A field's ``json_schema_extra``: its option name, whether it is a secret or URL-only, and
    whether ``--NAME-stdin`` reads all of standard input (a pasted JSON document) rather than
    one line (a password)."""
    extra: dict[str, Any] = {"cli": name}
    if secret:
        extra["secret"] = True  # only ever from --NAME-env VAR / --NAME-stdin / a prompt
    if multiline:
        extra["multiline"] = True
    if url_only:
        extra["url_only"] = True  # the URL argument gives it; no option of its own
    return extra


def is_ip(host: str) -> bool:
    """Whether ``host`` is an IPv4 or IPv6 address literal (no brackets)."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def has_control(text: str) -> bool:
    """Whether ``text`` holds an ASCII control character (below 32, or DEL)."""
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


class _HasHost(Protocol):
    @property
    def host(self) -> str: ...


class HostFacts:
    """``server_hostname`` and ``is_ip_literal`` from the model's ``host`` (a field or a
    property): what the shared DNS/TCP/TLS layers read. Mixed into a settings model before
    ``BaseModel``; a model whose certificate name differs from its host defines its own."""

    @property
    def server_hostname(self: _HasHost) -> str:
        """The name the TLS certificate must carry."""
        return self.host

    @property
    def is_ip_literal(self: _HasHost) -> bool:
        return is_ip(self.host)


# --- files, resolver, numbers ------------------------------------------------------------------


def check_ca_bundle(v: str | None) -> str | None:
    """A CA bundle must be a regular PEM file of bounded size: read through the one bounded reader
    before any connection (a FIFO would block, /dev/zero never ends, a directory or a DER file
    would confuse the TLS library that reads it next)."""
    if v is None:
        return None
    try:
        read_ca_bundle(v)
    except UserFileError as exc:
        raise ValueError(exc.message) from None
    return v


def check_resolver(v: str | None) -> str | None:
    """``IP[:PORT]`` of a DNS server; :func:`parse_resolver`'s own error names the problem."""
    if v is not None:
        parse_resolver(v)
    return v


def at_least_one(v: int) -> int:
    """A count or size that must be positive (max_entries, sample_files, head_bytes…)."""
    if v < 1:
        raise ValueError("must be at least 1")
    return v


def between(low: int, high: int) -> Callable[[int], int]:
    """A validator for a number from ``low`` to ``high`` (inclusive)."""

    def check(v: int) -> int:
        if not low <= v <= high:
            raise ValueError(f"must be between {low} and {high}")
        return v

    return check


def check_port(v: int | None) -> int | None:
    """A TCP port, 1 to 65535 (None: the default)."""
    if v is not None and not 1 <= v <= 65535:
        raise ValueError("must be between 1 and 65535")
    return v


CaBundle = Annotated[str | None, AfterValidator(check_ca_bundle)]
Resolver = Annotated[str | None, AfterValidator(check_resolver)]
PositiveInt = Annotated[int, AfterValidator(at_least_one)]
Port = Annotated[int, AfterValidator(check_port)]
OptionalPort = Annotated[int | None, AfterValidator(check_port)]


# --- names and text ----------------------------------------------------------------------------


def check_host_name(host: str, *, prefix: str = "") -> None:
    """Refuse a name no resolver takes (label or total length, empty label); an IP is fine.
    ``prefix`` (``"host "``) words the error when the host is part of a larger value."""
    if not is_ip(host):
        problem = host_name_problem(host)
        if problem:
            raise ValueError(f"{prefix}{problem}")


def check_region(v: str | None) -> str | None:
    """A region name (``eu-west-1``); blank is None."""
    if v is None or not v.strip():
        return None
    v = v.strip()
    if not REGION.match(v):
        raise ValueError("is not a region name (e.g. eu-west-1)")
    return v


def check_key_id(v: str | None) -> str | None:
    """An access key ID: one word without spaces or control characters; blank is None."""
    if v is None or not v.strip():
        return None
    v = v.strip()
    if any(c.isspace() or ord(c) < 32 for c in v):
        raise ValueError("must not contain spaces or control characters")
    return v


KeyId = Annotated[str | None, AfterValidator(check_key_id)]
Region = Annotated[str | None, AfterValidator(check_region)]


def plain_text(v: str | None, what: str, *, max_len: int | None = None, strip: bool = False,
               control: str = "contains a control character") -> str | None:
    """A one-line text field: None when blank, at most ``max_len`` characters (else "is N
    characters long; that is not ``what``"), no control character (``control`` says so)."""
    if v is None or not v.strip():
        return None
    if strip:
        v = v.strip()
    if max_len is not None and len(v) > max_len:
        raise ValueError(f"is {len(v):,} characters long; that is not {what}")
    if has_control(v):
        raise ValueError(control)
    return v


# --- endpoint URLs -----------------------------------------------------------------------------


def endpoint_parts(v: str, *, example: str, credentials: str = "must not contain credentials",
                   host_names: bool = True) -> SplitResult:
    """The checks every http(s) endpoint setting shares, returning the split URL for the
    caller's own rules (path, query). ``example`` completes "must start with https:// (or
    http://)"; ``credentials`` is the message for a user:password in the URL; ``host_names``
    also judges the host's DNS shape."""
    parts = urlsplit(v)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"must start with https:// (or http://){example}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ValueError("has an invalid port") from None
    if not host:
        raise ValueError("has no host name")
    if parts.username or parts.password:
        raise ValueError(credentials)
    if port is not None and not 1 <= port <= 65535:
        raise ValueError("port must be between 1 and 65535")
    if host_names:
        check_host_name(host, prefix="host ")
    return parts
