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
    r"|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----.*?(?:---- END SSH2 ENCRYPTED PRIVATE KEY ----|\Z)",
    re.S,
)
# user:password@ in URLs.
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@", re.I)

MASK = "«redacted»"


class Redactor:
    """Replaces registered secrets (and their common encodings) and key material in text/data."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._needles: set[str] = set()
        for s in secrets:
            self.add(s)

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
        for needle in sorted(self._needles, key=len, reverse=True):
            if needle and needle in out:
                out = out.replace(needle, MASK)
        return out

    def data(self, value: Any) -> Any:
        """Redact every string inside nested dicts/lists/tuples (keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value


def secret_from_env(var: str, field: str) -> SecretStr:
    """Read a secret from an environment variable, with a one-line error naming the field."""
    value = os.environ.get(var)
    if value is None:
        raise ValueError(f"{field}: environment variable {var} is not set")
    return SecretStr(value)
