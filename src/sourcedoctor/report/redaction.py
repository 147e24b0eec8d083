"""Redaction of a whole report before any writer sees it, and ``--redact-hosts`` pseudonyms.

Every writer (JSON, Markdown, HTML, terminal text, bundle) renders :func:`redacted_view`, never the
raw report, so the guarantee lives in one place. Secrets go through the :class:`Redactor`
(registered secrets, key material in every armour, URL passwords, labelled tokens). When the
redactor has ``redact_hosts`` on, host names, IP addresses and user names also become stable
pseudonyms (``host-1``, ``192.0.2.1``, ``2001:db8::1``, ``user-1``). The mapping is computed from
the report itself in a fixed order, so the same input gets the same pseudonym in every file
written from one report.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from ..config.secrets import Redactor
from ..model import Report

#: Values under these keys are structure (ids, codes, enums), never pseudonymised.
_STRUCTURAL = frozenset({
    "schema", "verdict", "status", "severity", "code", "id", "check", "blocked_by", "duration_ms",
    "started_at", "interrupted",
})
#: Evidence/fact/target keys whose string values name a host or a user.
_HOST_KEYS = frozenset({
    "host", "hostname", "host_name", "cname", "cnames", "canonical_name", "chain", "cname_chain",
    "ptr", "server", "server_host", "resolved_host", "qname",
})
_USER_KEYS = frozenset({"user", "username", "user_name", "login", "username_tried"})

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
# Host names in free text: dotted names ending in a common public or internal top-level label.
# (Bare words and file names are left alone: too many false positives such as check ids.)
_TLDS = (
    "com|net|org|io|co|de|uk|fr|nl|eu|us|ca|au|ch|at|be|it|es|se|no|dk|fi|pl|cz|jp|cn|in|br|ru|"
    "info|biz|cloud|app|dev|tech|online|local|localdomain|internal|intranet|lan|corp|home|private"
)
_FQDN = re.compile(
    rf"(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})(?![\w-])(?!\.\w)", re.I
)
# Vendor domains inside algorithm and extension names (curve25519-sha256@libssh.org): not hosts.
_VENDOR_DOMAINS = ("openssh.com", "libssh.org", "ssh.com", "lysator.liu.se", "tartarus.org")
# Addresses that identify nobody; left alone unless registered explicitly.
_ANONYMOUS_IPS = frozenset({"127.0.0.1", "::1", "0.0.0.0", "::"})


def _ip(candidate: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if candidate.strip(":") == "":
        return None
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


class Pseudonyms:
    """Stable pseudonyms for host names, IPs and user names, numbered in order of first sight."""

    def __init__(self) -> None:
        self.mapping: dict[str, str] = {}
        self._counts = {"host": 0, "user": 0, "ipv4": 0, "ipv6": 0}
        self._hosts_re: re.Pattern[str] | None = None
        self._users_re: re.Pattern[str] | None = None

    def register(self, kind: str, value: str) -> None:
        """Give ``value`` (a ``host`` or ``user``; IPs are detected) a pseudonym if it has none."""
        value = value.strip().strip("[]")
        if len(value) < 2 or value in self.mapping or value in self.mapping.values():
            return
        addr = _ip(value)
        if addr is not None:
            self._register_ip(value, addr)
            return
        key = kind.lower() if kind in ("host", "user") else "host"
        if key == "host":
            value = value.rstrip(".").lower()
            if value in self.mapping:
                return
        self._counts[key] += 1
        self.mapping[value] = f"{key}-{self._counts[key]}"
        self._hosts_re = self._users_re = None

    def _register_ip(self, text: str, addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        if text in self.mapping:
            return
        if addr.version == 4:
            self._counts["ipv4"] += 1
            n = self._counts["ipv4"]
            # Documentation range (RFC 5737): readable as an address, routes nowhere.
            self.mapping[text] = f"192.0.2.{n}" if n < 255 else f"ip-{n}"
        else:
            self._counts["ipv6"] += 1
            self.mapping[text] = f"2001:db8::{self._counts['ipv6']:x}"

    def discover_ips(self, text: str) -> None:
        """Register every non-loopback IP literal in ``text``."""
        for rx in (_IPV4, _IPV6):
            for m in rx.finditer(text):
                addr = _ip(m[0])
                if addr is not None and m[0] not in _ANONYMOUS_IPS and m[0] not in self.mapping:
                    if m[0] in self.mapping.values():
                        continue
                    self._register_ip(m[0], addr)

    def discover_hosts(self, text: str) -> None:
        """Register dotted host names found in free text (vendor domains excepted)."""
        for m in _FQDN.finditer(text):
            name = m[0].lower()
            if not name.endswith(_VENDOR_DOMAINS):
                self.register("host", name)

    def _pattern(self, kind: str) -> re.Pattern[str] | None:
        names = [k for k, v in self.mapping.items() if v.startswith(f"{kind}-") and _ip(k) is None]
        if not names:
            return None
        alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        # Whole names only: not part of a longer word or dotted name ("sftp" in "sftp.folder"), and
        # never a URL scheme ("sftp://").
        return re.compile(
            rf"(?<![\w-])(?<!\w\.)(?:{alternation})(?![\w-])(?!\.\w)(?!://)",
            re.I if kind == "host" else 0,
        )

    def text(self, value: str) -> str:
        """``value`` with every registered name and IP replaced by its pseudonym."""
        if not self.mapping:
            return value
        ips = {k: v for k, v in self.mapping.items() if _ip(k) is not None}
        out = value
        for rx in (_IPV4, _IPV6):
            out = rx.sub(lambda m: ips.get(m[0], m[0]), out)
        if self._hosts_re is None:
            self._hosts_re = self._pattern("host")
        if self._users_re is None:
            self._users_re = self._pattern("user")
        lower = {k.lower(): v for k, v in self.mapping.items()}
        if self._hosts_re is not None:
            out = self._hosts_re.sub(lambda m: lower.get(m[0].lower(), m[0]), out)
        if self._users_re is not None:
            out = self._users_re.sub(lambda m: self.mapping.get(m[0], m[0]), out)
        return out

    def data(self, value: Any, key: str = "") -> Any:
        """Pseudonymise every string (and dict key) inside ``value``; structural fields stay."""
        if isinstance(value, str):
            return value if key in _STRUCTURAL else self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v, key) for v in value]
        return value


def _walk_identities(value: Any, key: str, found: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _walk_identities(v, str(k).lower(), found)
    elif isinstance(value, list | tuple):
        for v in value:
            _walk_identities(v, key, found)
    elif isinstance(value, str):
        if key in _HOST_KEYS:
            found.append(("host", value))
        elif key in _USER_KEYS:
            found.append(("user", value))


def _walk_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _walk_strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk_strings(v)


def pseudonyms_for(data: dict[str, Any], redactor: Redactor) -> Pseudonyms:
    """Pseudonyms for one report dict: target first, then registered names, then the rest."""
    names = Pseudonyms()
    target = data.get("target") or {}
    for kind, key in (("host", "host"), ("user", "user")):
        if isinstance(target.get(key), str):
            names.register(kind, target[key])
    for kind, value in redactor.identities:
        names.register(kind, value)
    found: list[tuple[str, str]] = []
    _walk_identities(data, "", found)
    for kind, value in found:
        names.register(kind, value)
    for text in _walk_strings(data):
        names.discover_ips(text)
        names.discover_hosts(text)
    return names


def redact_dict(data: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    """A report dict with secrets masked and, with ``redact_hosts``, names pseudonymised."""
    clean: dict[str, Any] = redactor.data(data)
    if getattr(redactor, "redact_hosts", False):
        clean = pseudonyms_for(clean, redactor).data(clean)
    return clean


def redacted_view(report: Report, redactor: Redactor) -> dict[str, Any]:
    """The report as plain data, safe to write anywhere: what every writer renders."""
    return redact_dict(report.to_dict(), redactor)
