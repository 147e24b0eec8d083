"""The platform's MySQL connection string, ``Server=…;Port=…;Database=…;UID=…;PWD=…``, explained.

Tokenizing is shared (:mod:`sourcedoctor.connectors.database.connstring`); this module knows which
keys the platform's MySQL connector reads, what each one sets, and the usual mistakes: the
PostgreSQL spelling ``Password=`` for ``PWD=``, ``User=`` for ``UID=``, PostgreSQL's port 5432,
keys the platform ignores, a key given twice. Values are never put into a finding (``PWD`` is the
password); only keys, positions and, for non-secret keys, what they set.
"""

from __future__ import annotations

import difflib
from typing import Any

from ...codes import make_finding
from ...model import Finding
from ..database.connstring import (
    ConnStringError,
    Parsed,
    parse,
    password_tail,
    password_tail_finding,
    unreadable_finding,
)
from .settings import DEFAULT_PORT, normalize_ssl_mode

#: The platform's own keys (normalised: lower-case, no blanks) → settings field.
PLATFORM_KEYS = {"server": "host", "port": "port", "database": "database", "uid": "user",
                 "pwd": "password", "sslmode": "ssl_mode"}
#: How the keys are written on the platform (for suggestions and explanations).
SPELLING = {"server": "Server", "port": "Port", "database": "Database", "uid": "UID", "pwd": "PWD",
            "sslmode": "SslMode"}
#: Other drivers' spellings that mean a platform key: used, and flagged.
SYNONYMS = {"password": "pwd", "user": "uid", "userid": "uid", "username": "uid", "host": "server",
            "datasource": "server", "address": "server", "db": "database",
            "initialcatalog": "database", "ssl-mode": "sslmode"}
EXPLAINED = {"server": "the server's host name or IP address", "port": "the TCP port (3306 by default)",
             "database": "the database to read", "uid": "the login user",
             "pwd": "the password (never shown)", "sslmode": "whether and how TLS is used"}
EXAMPLE = "Server=db.example.com;Port=3306;Database=sales;UID=reader;PWD=…"
POSTGRES_PORT = 5432


def _canonical(norm: str) -> str | None:
    if norm in PLATFORM_KEYS:
        return norm
    return SYNONYMS.get(norm)


def _tail(parsed: Parsed) -> frozenset[int]:
    """Segments that may be the rest of a password cut at a ';' inside it (never shown)."""
    return password_tail(parsed, frozenset(PLATFORM_KEYS) | frozenset(SYNONYMS))


def read(text: str) -> Parsed | None:
    """Tokenize; None for text that cannot be a connection string (:func:`judge` reports it as
    ``config.connstring_invalid``, as the PostgreSQL connector does)."""
    try:
        return parse(text)
    except ConnStringError:
        return None


def settings_from(text: str) -> dict[str, Any]:
    """Settings values the string sets (platform keys and their synonyms; the last one wins).

    Values that cannot be used (a port that is not a number, an unknown sslMode) are left out:
    the settings layer reports them as findings."""
    parsed = read(text)
    values: dict[str, Any] = {}
    for pair in parsed.pairs if parsed is not None else ():
        key = _canonical(pair.norm)
        if key is None or not pair.has_equals:
            continue
        name, value = PLATFORM_KEYS[key], pair.value
        if name == "port":
            if not value.isdigit() or not 1 <= int(value) <= 65535:
                continue
            values[name] = int(value)
        elif name == "ssl_mode":
            try:
                values[name] = normalize_ssl_mode(value)
            except ValueError:
                continue
        elif value:
            values[name] = value
    return values


def explain(text: str) -> list[dict[str, str]]:
    """Each key, what the platform does with it (for the report's facts; no secret values)."""
    out: list[dict[str, str]] = []
    parsed = read(text)
    tail = _tail(parsed) if parsed is not None else frozenset()
    for pair in parsed.pairs if parsed is not None else ():
        if pair.start in tail:  # maybe part of the password: never its text
            out.append({"key": "(text after PWD=, not shown)",
                        "means": "not a key: if the password holds ';', the rest of it"})
            continue
        key = _canonical(pair.norm)
        shown = pair.shown_key()
        if key is None:
            out.append({"key": shown, "means": "not read by the platform's MySQL connector"})
            continue
        entry = {"key": shown, "means": EXPLAINED[key]}
        if key not in ("pwd",) and pair.has_equals:
            entry["value"] = pair.value[:200]
        out.append(entry)
    return out


def judge(text: str) -> list[Finding]:
    """The connection string's mistakes as config.* findings (empty: it is as the platform wants)."""
    try:
        parsed = parse(text)
    except ConnStringError as exc:
        return [unreadable_finding(exc, text, EXAMPLE)]
    findings: list[Finding] = []
    tail = _tail(parsed)
    for pair in parsed.pairs:
        if pair.start in tail:
            findings.append(password_tail_finding(pair, "PWD"))
            continue
        shown = pair.shown_key()
        where = {"field": "connection_string", "key": shown, "position": pair.start}
        if not pair.has_equals:
            findings.append(make_finding(
                "config.connstring_bad_value", f"connection string: {shown!r} has no '=' (write Key=value)",
                evidence=where, key=shown, allowed="Key=value"))
            continue
        canonical = _canonical(pair.norm)
        if canonical is None:
            close = difflib.get_close_matches(pair.norm, list(PLATFORM_KEYS), n=1, cutoff=0.6)
            suggestion = SPELLING[close[0]] if close else "one of " + ", ".join(SPELLING.values())
            findings.append(make_finding(
                "config.connstring_unknown_key",
                f"connection string: {shown} is not a key the platform's MySQL connector reads "
                f"(ignored)", evidence={**where, "suggestion": suggestion,
                                        "platform_keys": list(SPELLING.values())},
                key=shown, suggestion=suggestion))
        elif canonical != pair.norm:
            right = SPELLING[canonical]
            extra = " (PostgreSQL's spelling)" if pair.norm == "password" else ""
            findings.append(make_finding(
                "config.connstring_unknown_key",
                f"connection string: the platform's MySQL connector reads {right}=, not {shown}={extra}; "
                f"sourcedoctor used it for this check, the platform may not",
                evidence={**where, "suggestion": right}, key=shown, suggestion=right))
        findings.extend(_value_findings(canonical, pair.value, where))
    for group in parsed.duplicates().values():
        if any(p.start in tail for p in group):
            continue  # the password's own text is not a key to name
        shown = group[-1].shown_key()
        findings.append(make_finding(
            "config.connstring_duplicate_key", f"connection string: {shown} appears {len(group)} times; "
            "drivers use the last one", evidence={"field": "connection_string", "key": shown,
                                                   "positions": [p.start for p in group]}, key=shown))
    return findings


def _value_findings(canonical: str | None, value: str, where: dict[str, Any]) -> list[Finding]:
    if canonical == "port":
        if not value.isdigit() or not 1 <= int(value) <= 65535:
            return [make_finding("config.connstring_bad_value",
                                 f"connection string: Port={value[:20]!r} is not a port number",
                                 evidence=where, key="Port", allowed="a number from 1 to 65535")]
        if int(value) == POSTGRES_PORT:
            return [make_finding(
                "config.db_port_of_other_server",
                f"connection string: Port={POSTGRES_PORT} is PostgreSQL's port; MySQL/MariaDB listen on "
                f"{DEFAULT_PORT}", evidence={**where, "port": POSTGRES_PORT},
                expected_product="MySQL/MariaDB", expected_port=DEFAULT_PORT)]
    if canonical == "sslmode":
        try:
            normalize_ssl_mode(value)
        except ValueError:
            return [make_finding("config.connstring_bad_value",
                                 f"connection string: SslMode={value[:20]!r} is not a TLS mode",
                                 evidence=where, key="SslMode",
                                 allowed="Disabled, Preferred, Required, VerifyCA, VerifyFull")]
    if canonical in ("server", "uid", "database") and not value:
        return [make_finding("config.connstring_bad_value",
                             f"connection string: {SPELLING[canonical]}= is empty", evidence=where,
                             key=SPELLING[canonical], allowed="a non-empty value")]
    return []
