"""Event Hubs credentials judged offline: the connection string's parts and the SAS key's shape.

Nothing here contacts Azure; the key is decoded only to count its bytes, and no finding quotes it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from ...config.pasted import paste_slip, without_slip
from .settings import SUFFIX

_NAMESPACE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$")
_ENTITY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$")
_GROUP = re.compile(r"^(?:\$Default|[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?)$")
KNOWN_KEYS = ("endpoint", "sharedaccesskeyname", "sharedaccesskey", "entitypath",
              "sharedaccesssignature", "usedevelopmentemulator")


def namespace_problem(value: str) -> tuple[str | None, str | None]:
    """(problem, namespace name) for a namespace setting (a bare name or its host)."""
    text = value.strip()
    if text != value:
        return "has spaces around it", text
    if "://" in text or "/" in text:
        host = re.sub(r"^[a-z]+://", "", text, flags=re.I).split("/")[0]
        return "must be the namespace, not a URL", host.removesuffix(SUFFIX) or None
    name = text[:-len(SUFFIX)] if text.lower().endswith(SUFFIX) else text
    if "." in name:
        return f"is a host outside {SUFFIX}", None
    if not _NAMESPACE.match(name):
        return ("must be 6-50 letters, digits and hyphens, starting with a letter and ending with "
                "a letter or digit"), None
    return None, name


def entity_problem(name: str) -> str | None:
    if name != name.strip():
        return "has spaces around it"
    if not _ENTITY.match(name):
        return ("must be 1-256 letters, digits, periods, hyphens and underscores, starting and "
                "ending with a letter or digit")
    return None


def group_problem(name: str) -> str | None:
    if name != name.strip():
        return "has spaces around it"
    if not _GROUP.match(name):
        return ("must be 1-50 letters, digits, periods, hyphens and underscores, starting and "
                "ending with a letter or digit")
    return None


def key_problem(key: str) -> tuple[str | None, bool]:
    """(problem, fatal) for a SharedAccessKey: base64 of 32 bytes is what Azure generates."""
    text = key
    if text != text.strip() or text.strip("\"'") != text:
        return "has spaces or quotes around it", True
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return "is not base64", True
    if len(raw) != 32:
        return f"decodes to {len(raw)} bytes; generated keys are 32 (44 base64 characters)", False
    return None, False


@dataclass
class ConnectionString:
    """The parts of a connection string (the key kept only to judge its shape)."""

    parts: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: The one step that repairs a pasted slip (quotes, a line break, spaces), when there is one.
    fix: str | None = None

    @property
    def namespace_host(self) -> str | None:
        endpoint = self.parts.get("endpoint", "")
        host = re.sub(r"^sb://", "", endpoint, flags=re.I).strip("/")
        return host or None


def parse_connection_string(text: str) -> ConnectionString:
    """Split ``Key=Value;…`` (keys case-insensitive, values may hold '='); problems named, bounded."""
    out = ConnectionString()
    # The shared rule for pasted values (quotes, a line break, spaces at the ends).
    slip = paste_slip(text, "the connection string")
    if slip is not None:
        out.problems.append(slip.problem)
        out.fix = slip.fix
    body = without_slip(text)
    for piece in body.split(";"):
        if not piece.strip():
            continue
        key, sep, value = piece.partition("=")
        if not sep:
            out.problems.append(f"has a part without '=' ({len(piece)} characters)")
            continue
        name = key.strip().lower()
        if name not in KNOWN_KEYS:
            out.problems.append(f"has an unknown part {key.strip()[:40]!r}")
            continue
        out.parts[name] = value.strip()
    endpoint = out.parts.get("endpoint")
    if endpoint is None:
        out.problems.append("has no Endpoint=sb://NAMESPACE.servicebus.windows.net/")
    elif not endpoint.lower().startswith("sb://"):
        out.problems.append("has an Endpoint that does not start with sb://")
    if "sharedaccesssignature" not in out.parts:
        for part, label in (("sharedaccesskeyname", "SharedAccessKeyName"),
                            ("sharedaccesskey", "SharedAccessKey")):
            if not out.parts.get(part):
                out.problems.append(f"has no {label}")
    return out
