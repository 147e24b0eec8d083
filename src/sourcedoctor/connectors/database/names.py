"""Identifier helpers shared by the database connectors: qualified names, close matches.

Identifiers are only ever *parsed* here, never put into SQL: statements pass names as bind
parameters and let the server quote them (PostgreSQL ``format('%I')`` / ``quote_ident``; MySQL
backquotes built by :func:`quote_backtick` from a name the catalogue returned).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

#: Longest identifier part accepted (PostgreSQL 63 bytes, MySQL 64 characters; some slack).
MAX_IDENTIFIER = 128


class IdentifierError(ValueError):
    """A relation name that cannot be a table name (message names the problem, not SQL)."""


@dataclass(frozen=True)
class QualifiedName:
    """``schema.table`` as the user wrote it; ``quoted`` says whether a part was in double quotes
    (then it is exact; unquoted parts are matched as PostgreSQL folds them, lower-case, and also as
    written)."""

    schema: str | None
    name: str
    schema_quoted: bool = False
    name_quoted: bool = False

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


def split_qualified(text: str, *, quote: str = '"') -> QualifiedName:
    """Split ``schema.table`` (parts may be quoted with ``quote``; a doubled quote is literal).

    Raises :class:`IdentifierError` for empty parts, more than two parts, control characters or an
    unterminated quote."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise IdentifierError("contains a control character (NUL, newline…)")
    text = text.strip()
    if not text:
        raise IdentifierError("is empty")
    if len(text) > 2 * MAX_IDENTIFIER + 5:
        raise IdentifierError(
            f"is {len(text)} characters long; a schema.table name is at most {2 * MAX_IDENTIFIER + 1}"
        )
    parts: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i <= n:
        if i < n and text[i] == quote:
            j, buf = i + 1, []
            while True:
                if j >= n:
                    raise IdentifierError(f"has a {quote} opened at character {i} that is never closed")
                if text[j] == quote:
                    if j + 1 < n and text[j + 1] == quote:
                        buf.append(quote)
                        j += 2
                        continue
                    break
                buf.append(text[j])
                j += 1
            parts.append(("".join(buf), True))
            i = j + 1
            if i < n and text[i] != ".":
                raise IdentifierError(f"has text after the quoted name at character {i}")
        else:
            j = text.find(".", i)
            j = n if j < 0 else j
            parts.append((text[i:j].strip(), False))
            i = j
        if i >= n:
            break
        i += 1  # skip "."
        if i >= n:
            raise IdentifierError("ends with '.'")
    if len(parts) > 2:
        raise IdentifierError("has more than two parts; write schema.table")
    for part, _ in parts:
        if not part:
            raise IdentifierError("has an empty part")
        if len(part) > MAX_IDENTIFIER:
            raise IdentifierError(f"has a part of {len(part)} characters (at most {MAX_IDENTIFIER})")
    if len(parts) == 1:
        return QualifiedName(None, parts[0][0], False, parts[0][1])
    return QualifiedName(parts[0][0], parts[1][0], parts[0][1], parts[1][1])


def close_matches(word: str, candidates: Iterable[str], *, limit: int = 5) -> list[str]:
    """Candidates most like ``word`` (case-insensitive), best first; exact case-insensitive first."""
    pool = list(dict.fromkeys(candidates))
    lowered = {c.lower(): c for c in pool}
    found = [lowered[word.lower()]] if word.lower() in lowered else []
    for match in difflib.get_close_matches(word.lower(), list(lowered), n=limit, cutoff=0.6):
        if lowered[match] not in found:
            found.append(lowered[match])
    return found[:limit]


def quote_backtick(name: str) -> str:
    """MySQL identifier quoting of a name taken from the server's catalogue (backquote doubled)."""
    return "`" + name.replace("`", "``") + "`"
