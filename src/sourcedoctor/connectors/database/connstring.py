"""Tokenizer for pasted ``key=value;key=value`` connection strings (ODBC/ADO.NET/JDBC-driver style).

The platform shows database connections as strings such as::

    Server=db.example.com;Database=sales;Port=5432;UID=reader;Password=s3cr;EncryptionMethod=1

This module only *tokenizes*: it knows nothing about which keys a server accepts. Each connector
interprets the tokens (``connectors/postgres/connstring.py``, ``connectors/mysql/...``) and turns
mistakes into ``config.*`` findings. Rules, as ODBC and ADO.NET write them:

- Pairs are separated by ``;``. Empty segments (``;;``, a trailing ``;``) are ignored.
- ``key=value``: the key is everything before the first ``=``, stripped of blanks. Keys compare
  case-insensitively (:attr:`Pair.norm` is the lower-cased key).
- A value may be wrapped in ``{...}`` (ODBC: ``}}`` inside means a literal ``}``) or in ``"..."`` /
  ``'...'`` (ADO.NET: a doubled quote inside means one literal quote). Inside braces/quotes ``;`` and
  ``=`` are literal. Unquoted values are stripped of surrounding blanks.
- A segment without ``=`` is kept as a :class:`Pair` with ``has_equals=False`` so the caller can
  report it (``Server db.example.com`` instead of ``Server=db.example.com``).
- An unterminated brace/quote is a :class:`ConnStringError` naming the offset.
- Duplicate keys: every occurrence is kept in :attr:`Parsed.pairs` in order; :meth:`Parsed.duplicates`
  names them; :meth:`Parsed.get` returns the LAST (what ODBC drivers do) so callers can say
  "Port appears twice; the driver uses the last one (5432)".

Bounded: input longer than :data:`MAX_LENGTH` characters, containing NUL bytes or other control
characters (besides tab/CR/LF), or more than :data:`MAX_PAIRS` pairs raises :class:`ConnStringError`
*before* any work proportional to the input. Error messages never include values (they may be
passwords): only keys (truncated, printable) and character offsets.

Usage::

    from sourcedoctor.connectors.database.connstring import parse, ConnStringError
    try:
        parsed = parse(text)
    except ConnStringError as exc:
        ...  # exc.reason ("too_long", "nul", "control", "unterminated", "too_many_pairs", "empty"),
             # exc.offset, str(exc) is a safe one-line message
    parsed.get("server")          # -> Pair | None (last occurrence, case-insensitive)
    parsed.value("port")          # -> str | None
    parsed.duplicates()           # -> {"port": [Pair, Pair]}
    for pair in parsed.pairs: pair.key, pair.value, pair.start, pair.has_equals, pair.quoted
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...model import Finding

MAX_LENGTH = 8192
"""Longest connection string accepted (characters). Real ones are well under 1 KB."""

MAX_PAIRS = 64
"""Most ``key=value`` pairs accepted."""

_ALLOWED_CONTROL = {"\t", "\r", "\n"}


class ConnStringError(ValueError):
    """The text cannot be a connection string. ``str()`` is safe to show (no values)."""

    def __init__(self, reason: str, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.offset = offset


@dataclass(frozen=True)
class Pair:
    """One ``key=value`` segment. ``start`` is the key's character offset in the input."""

    key: str
    value: str
    start: int
    has_equals: bool = True
    quoted: bool = False

    @property
    def norm(self) -> str:
        """The key lower-cased with inner blanks removed (``Encryption Method`` → ``encryptionmethod``)."""
        return "".join(self.key.split()).lower()

    def shown_key(self, limit: int = 40) -> str:
        """The key as printable text, truncated: safe for findings."""
        text = "".join(ch if ch.isprintable() else "?" for ch in self.key)
        return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Parsed:
    """All pairs of a connection string, in order."""

    pairs: tuple[Pair, ...]
    length: int
    _last: dict[str, Pair] = field(default_factory=dict, compare=False, repr=False)

    def get(self, key: str) -> Pair | None:
        """The last pair whose key matches ``key`` case-insensitively (ignoring blanks)."""
        return self._last.get("".join(key.split()).lower())

    def value(self, key: str) -> str | None:
        pair = self.get(key)
        return pair.value if pair is not None and pair.has_equals else None

    def keys(self) -> list[str]:
        """Normalised keys in first-seen order, without repeats."""
        seen: dict[str, None] = {}
        for pair in self.pairs:
            seen.setdefault(pair.norm, None)
        return list(seen)

    def duplicates(self) -> dict[str, list[Pair]]:
        """Keys that appear more than once, with every occurrence."""
        groups: dict[str, list[Pair]] = {}
        for pair in self.pairs:
            groups.setdefault(pair.norm, []).append(pair)
        return {key: group for key, group in groups.items() if len(group) > 1}


#: Keys whose value is a password: unquoted, it ends at the first ';' — even one inside it.
PASSWORD_KEYS = frozenset({"password", "pwd"})
#: Keys of the common drivers (ODBC, ADO.NET, JDBC, libpq, MySQL): a segment after a password
#: whose key is one of these is a key, even where a connector does not read it.
COMMON_KEYS = frozenset({
    "server", "host", "hostname", "address", "datasource", "port", "portnumber", "database",
    "databasename", "dbname", "db", "initialcatalog", "uid", "user", "userid", "username",
    "password", "pwd", "sslmode", "ssl-mode", "ssl", "sslca", "sslcert", "sslkey", "encrypt",
    "encryptionmethod", "validateservercertificate", "hostnameincertificate",
    "trustservercertificate", "allowpublickeyretrieval", "charset", "characterset",
    "connecttimeout", "connectiontimeout", "connect_timeout", "timeout", "logintimeout",
    "commandtimeout", "defaultcommandtimeout", "applicationname", "application_name", "schema",
    "searchpath", "options", "pooling", "integratedsecurity", "authentication", "driver", "dsn",
})


def password_tail(parsed: Parsed, known: frozenset[str] = frozenset()) -> frozenset[int]:
    """Where (``Pair.start``) an unquoted password may go on: each segment right after one that
    is not a key (no ``=``, or a key neither in ``known`` — the connector's — nor in
    :data:`COMMON_KEYS`), up to the next key. ``PWD=ab;cd=1`` is most likely the password
    ``ab;cd=1`` cut at its ';': such a segment's text is part of a secret and is never shown."""
    import difflib

    keys = COMMON_KEYS | known

    def is_key(norm: str) -> bool:
        # A close misspelling of a key (Sever, Databse) is a key with a typo; short or distant
        # text (pw, 1x) may be the password's own.
        return norm in keys or (len(norm) >= 4 and bool(
            difflib.get_close_matches(norm, list(keys), n=1, cutoff=0.85)))

    tail: set[int] = set()
    after = False
    for pair in parsed.pairs:
        if pair.norm in PASSWORD_KEYS and pair.has_equals:
            after = not pair.quoted
        elif after and (not pair.has_equals or not is_key(pair.norm)):
            tail.add(pair.start)
        else:
            after = False
    return frozenset(tail)


def password_tail_finding(pair: Pair, password_key: str) -> Finding:
    """``config.connstring_unknown_key`` for a segment that may be the rest of the password: its
    position only, never its text, and the fix for a password holding ';'."""
    from ...codes import make_finding

    return make_finding(
        "config.connstring_unknown_key",
        f"the text at character {pair.start}, right after {password_key}=, is not a key: if the "
        f"password holds ';', it was cut there (that text is not shown: it may be part of the "
        "password)",
        evidence={"field": "connection_string", "position": pair.start, "after": password_key,
                  "key": None, "maybe_password": True},
        fix=[f"If the password holds ';', write the value in braces after {password_key}=, as "
             "{…} — a '}' inside it is written twice; the platform reads it so too.",
             "Otherwise remove the text that follows the password's ';'."])


def looks_like_connection_string(text: str) -> bool:
    """A cheap guess: ``key=value`` with a ``;`` or one of the usual keys, and no URL scheme."""
    head = text[:200].lower()
    if "://" in head:
        return False
    return "=" in head and (";" in head or head.split("=", 1)[0].strip() in {"server", "host", "data source"})


def _check_bounds(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise ConnStringError(
            "too_long",
            f"the connection string is {len(text):,} characters long; at most {MAX_LENGTH:,} are accepted "
            "(a real one is a few hundred) — was something else pasted?",
        )
    for index, ch in enumerate(text):
        if ch == "\x00":
            raise ConnStringError(
                "nul", f"the connection string contains a NUL byte at character {index}", index
            )
        if (ord(ch) < 32 or ord(ch) == 127) and ch not in _ALLOWED_CONTROL:
            raise ConnStringError(
                "control",
                f"the connection string contains control character 0x{ord(ch):02x} at character {index}",
                index,
            )
    if not text.strip().strip(";").strip():
        raise ConnStringError("empty", "the connection string is empty")


def _read_value(text: str, pos: int) -> tuple[str, int, bool]:
    """Read a value starting at ``pos`` (just after ``=``). Returns (value, next_pos, quoted)."""
    n = len(text)
    start = pos
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    if pos < n and text[pos] in "{\"'":
        opener = text[pos]
        closer = "}" if opener == "{" else opener
        out: list[str] = []
        i = pos + 1
        while i < n:
            ch = text[i]
            if ch == closer:
                if i + 1 < n and text[i + 1] == closer:  # doubled: a literal closer
                    out.append(ch)
                    i += 2
                    continue
                i += 1
                # Only blanks may follow the closing quote before ';'.
                while i < n and text[i] in " \t\r\n":
                    i += 1
                if i < n and text[i] != ";":
                    raise ConnStringError(
                        "unterminated", f"unexpected text after the quoted value closed at character {i}", i
                    )
                return "".join(out), i, True
            out.append(ch)
            i += 1
        raise ConnStringError(
            "unterminated", f"the {opener!s}…{closer!s} value opened at character {pos} is never closed", pos
        )
    end = text.find(";", start)
    if end < 0:
        end = n
    return text[start:end].strip(), end, False


def unreadable_finding(exc: ConnStringError, text: str, example: str) -> Finding:
    """``config.connstring_invalid`` for text :func:`parse` refused: a finding the report explains
    (the reason and offset, never a value), the same for every database connector."""
    from ...codes import make_finding  # the catalogue is only needed when a string is broken

    return make_finding(
        "config.connstring_invalid", f"the connection string cannot be read: {exc}",
        evidence={"field": "connection_string", "reason": exc.reason, "offset": exc.offset,
                  "length": len(text)},
        field="connection_string", example=example)


def parse(text: str) -> Parsed:
    """Tokenize ``text``; raise :class:`ConnStringError` for text that cannot be a connection string."""
    _check_bounds(text)
    pairs: list[Pair] = []
    n = len(text)
    pos = 0
    while pos < n:
        while pos < n and text[pos] in " \t\r\n;":
            pos += 1
        if pos >= n:
            break
        if len(pairs) >= MAX_PAIRS:
            raise ConnStringError("too_many_pairs", f"more than {MAX_PAIRS} key=value pairs", pos)
        seg_end = text.find(";", pos)
        eq = text.find("=", pos)
        if eq < 0 or (0 <= seg_end < eq):
            end = n if seg_end < 0 else seg_end
            pairs.append(Pair(text[pos:end].strip(), "", pos, has_equals=False))
            pos = end
            continue
        raw_key = text[pos:eq]
        key_start = pos + (len(raw_key) - len(raw_key.lstrip()))
        value, pos, quoted = _read_value(text, eq + 1)
        pairs.append(Pair(raw_key.strip(), value, key_start, True, quoted))
    last: dict[str, Pair] = {}
    for pair in pairs:
        last[pair.norm] = pair
    return Parsed(tuple(pairs), n, last)
