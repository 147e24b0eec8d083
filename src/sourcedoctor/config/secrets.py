"""Where secrets come from, and the one registry that makes sure they never leave.

Passwords and passphrases come from a prompt, an environment variable, standard input or the system
keyring — never from argv. Every secret value is registered with a :class:`Redactor`, which masks
it in foreign text (see docs/report.md, "What masking touches").
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic loads only where settings are built: a local ingest never needs it
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


#: Words that follow "password:" in servers' and tools' prose, never secrets themselves
#: (MySQL's "using password: YES", "token: none").
_PROSE_VALUES = frozenset({"yes", "no", "none", "null", "true", "false", "set", "unset", "empty",
                           "required", "missing", "invalid", "expired", "given", "ok"})


def _mask_labelled(m: re.Match[str]) -> str:
    # "password=x" is always a value. After a colon a plain lower-case word is prose ("password:
    # method not allowed"), and so are a yes/no-like word ("using password: YES)") and an option
    # name ("token: --token-env VAR"); anything else with digits, symbols or capitals is a secret.
    # "Password= (…" with a space before a parenthesis is prose about the key, not its value.
    value = m["value"]
    bare = value.rstrip(").]")
    if m["sep"] == ":" and ((bare.isalpha() and bare.islower()) or bare.lower() in _PROSE_VALUES
                            or value.startswith("--")):
        return m[0]
    if m["sep"] == "=" and m["label"][-1:].isspace() and value.startswith("("):
        return m[0]
    return f"{m['label']}{MASK}"


def _whole_token(needle: str) -> re.Pattern[str]:
    """``needle`` only where it stands on its own: not inside a longer word ("key" never matches
    in "keys" or "monkey"). Edges that are not word characters need no boundary."""
    head = r"(?<!\w)" if needle[:1].isalnum() or needle[:1] == "_" else ""
    tail = r"(?!\w)" if needle[-1:].isalnum() or needle[-1:] == "_" else ""
    return re.compile(head + re.escape(needle) + tail)


class Redactor:
    """The secrets and identities of one run, and the masks that keep them out of what is written.

    Secrets stay out of reports by construction: settings are serialised without them and no
    message formats a credential. What this class adds is the second line of defence for text that
    came from outside the tool (server banners, shell noise, library errors, file samples): each
    registered secret, and its base64 and URL-quoted forms, is masked where it stands as a whole
    token, and key material, URL passwords and labelled tokens are masked by their shape. Which
    fields are foreign is decided by :mod:`sourcedoctor.report.redaction`, never here.
    """

    def __init__(self, secrets: Iterable[str] = (), *, redact_hosts: bool = False) -> None:
        self._needles: dict[str, re.Pattern[str]] = {}
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
        value = secret if isinstance(secret, str) else secret.get_secret_value()
        if len(value) < 3:  # too short to replace without mangling unrelated text
            return
        from urllib.parse import quote

        forms = {value, base64.b64encode(value.encode()).decode().rstrip("="), quote(value, safe="")}
        forms |= {line.strip() for line in value.splitlines() if len(line.strip()) >= 16}
        for form in forms:  # each line of a pasted key on its own too
            if form and form not in self._needles:
                self._needles[form] = _whole_token(form)

    @property
    def needles(self) -> frozenset[str]:
        """Every registered secret form (for callers that decide what to keep)."""
        return frozenset(self._needles)

    def shapes(self, value: str) -> str:
        """``value`` with secret-shaped text masked: key material in any armour, URL passwords,
        ``password=…`` style labels, bearer tokens. Independent of the registered secrets."""
        out = _KEY_BLOCK.sub(MASK, value)
        out = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", out)
        out = _BASE64_RUN.sub(lambda m: MASK if _is_key_base64(m[0]) else m[0], out)
        out = _LABELLED_SECRET.sub(_mask_labelled, out)
        return _BEARER.sub(lambda m: f"{m['label']}{MASK}", out)

    def found(self, value: str) -> list[str]:
        """The registered secret forms that stand as whole tokens in ``value``."""
        return [n for n, rx in self._needles.items() if n in value and rx.search(value)]

    def text(self, value: str, *, keep: Callable[[str], bool] | None = None) -> str:
        """Foreign ``value`` with shapes masked and every registered secret masked as a whole token.

        ``keep(form)`` spares a secret form (the report layer spares the tool's own words inside
        the tool's own sentences: there they are the tool's, not the user's)."""
        out = self.shapes(value)
        for needle in sorted(self.found(out), key=len, reverse=True):
            if keep is None or not keep(needle):
                out = self._needles[needle].sub(MASK, out)
        return out


def secret_from_env(var: str, field: str) -> SecretStr:
    """Read a secret from an environment variable, with a one-line error naming the field."""
    value = os.environ.get(var)
    if value is None:
        raise ValueError(f"{field}: environment variable {var} is not set")
    from pydantic import SecretStr

    return SecretStr(value)
