"""Where secrets come from, and the one registry that makes sure they never leave.

Passwords and passphrases come from a prompt, an environment variable, standard input or the system
keyring — never from argv. Every secret value is registered with a :class:`Redactor`; every writer
(report, log, error message) passes its output through it.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable
from typing import Any

from pydantic import SecretStr

# Private-key blocks in any armour we know, matched lazily up to their END line (or end of text).
_KEY_BLOCK = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)"
    r"|PuTTY-User-Key-File-\d:.*?(?:Private-MAC: *[0-9a-fA-F]+|\Z)"
    r"|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----.*?"
    r"(?:---- END SSH2 ENCRYPTED PRIVATE KEY ----|\Z)",
    re.S,
)
# user:password@ in URLs.
_URL_PASSWORD = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@", re.I
)

# Secrets typed as key=value / key: value in free text (shell noise, error messages, URLs' queries).
_LABELLED_SECRET = re.compile(
    r"(?P<label>\b(?:password|passwd|pwd|passphrase|pass_phrase|token|access[_-]?token|api[_-]?key|"
    r"secret(?:[_-]?key)?|client[_-]?secret|private[_-]?key)\b[\"']?\s*(?P<sep>[=:])\s*[\"']?)"
    r"(?P<value>(?!«redacted»)[^\s\"',;&]{3,})",
    re.I,
)
# "Authorization: Bearer <token>" and friends.
_BEARER = re.compile(r"(?P<label>\b(?:Bearer|Basic|token)\s+)(?P<value>[A-Za-z0-9._~+/=-]{12,})")
# One-line base64 of a whole key file (the platform's privateKeyContent form), or an OpenSSH
# key body.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")
_KEY_MARKERS = (b"PRIVATE KEY", b"PuTTY-User-Key-File", b"openssh-key-v1", b"SSH2 ENCRYPTED")

#: Dict keys whose values are secrets whatever they contain ("set"/None/booleans are kept: they
#: only say whether a secret was given).
SECRET_KEYS = frozenset({
    "password", "passphrase", "pass_phrase", "token", "access_token", "api_key", "secret",
    "secret_key", "client_secret", "private_key", "key_content", "privatekeycontent",
})

MASK = "«redacted»"


def _is_key_base64(run: str) -> bool:
    """Does this base64 run decode to private-key material (or start an OpenSSH key body)?"""
    if run.startswith("b3BlbnNzaC1rZXktdjE"):  # base64 of "openssh-key-v1"
        return True
    padded = run + "=" * (-len(run) % 4)
    try:
        raw = base64.b64decode(padded, validate=False)
    except ValueError:
        return False
    return any(marker in raw for marker in _KEY_MARKERS)


def _mask_labelled(m: re.Match[str]) -> str:
    # "password=x" is always a value; after a colon a plain lower-case word is prose
    # ("password: method not allowed"), anything with digits, symbols or capitals is a secret.
    if m["sep"] == ":" and m["value"].isalpha() and m["value"].islower():
        return m[0]
    return f"{m['label']}{MASK}"


class Redactor:
    """Replaces registered secrets (and their common encodings) and key material in text/data."""

    def __init__(self, secrets: Iterable[str] = (), *, redact_hosts: bool = False) -> None:
        self._needles: set[str] = set()
        #: Report writers also replace host names, IPs and user names with stable pseudonyms
        #: (``--redact-hosts``; see :mod:`sourcedoctor.report.redaction`).
        self.redact_hosts = redact_hosts
        #: Host and user names to pseudonymise when ``redact_hosts`` is on: (kind, value).
        self.identities: list[tuple[str, str]] = []
        for s in secrets:
            self.add(s)

    def add_identity(self, kind: str, value: str | None) -> None:
        """Register a host name (``kind="host"``) or user name (``kind="user"``) to pseudonymise."""
        if value and (kind, value) not in self.identities:
            self.identities.append((kind, value))

    def add(self, secret: str | SecretStr | None) -> None:
        """Register a secret; its base64 and URL-quoted forms are registered too."""
        if secret is None:
            return
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if len(value) < 3:  # too short to replace without mangling unrelated text
            return
        self._needles.add(value)
        self._needles.add(base64.b64encode(value.encode()).decode().rstrip("="))
        from urllib.parse import quote

        self._needles.add(quote(value, safe=""))
        for line in value.splitlines():
            if len(line.strip()) >= 16:  # each line of a pasted key on its own
                self._needles.add(line.strip())

    def text(self, value: str) -> str:
        out = _KEY_BLOCK.sub(MASK, value)
        out = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", out)
        out = _BASE64_RUN.sub(lambda m: MASK if _is_key_base64(m[0]) else m[0], out)
        out = _LABELLED_SECRET.sub(_mask_labelled, out)
        out = _BEARER.sub(lambda m: f"{m['label']}{MASK}", out)
        for needle in sorted(self._needles, key=len, reverse=True):
            if needle and needle in out:
                out = out.replace(needle, MASK)
        return out

    def data(self, value: Any) -> Any:
        """Redact every string inside nested dicts/lists/tuples (keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self._field(str(k), v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value

    def _field(self, key: str, value: Any) -> Any:
        # A value stored under a secret's name is masked whatever it looks like; "set"/None/bool
        # only record whether the secret was given and are kept.
        if key.lower() in SECRET_KEYS and isinstance(value, str) and value != "set":
            return MASK
        return self.data(value)


def secret_from_env(var: str, field: str) -> SecretStr:
    """Read a secret from an environment variable, with a one-line error naming the field."""
    value = os.environ.get(var)
    if value is None:
        raise ValueError(f"{field}: environment variable {var} is not set")
    return SecretStr(value)
