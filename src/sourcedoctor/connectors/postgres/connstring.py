"""The platform's pasted PostgreSQL connection string, interpreted key by key.

``Server=…;Database=…;Port=…;UID=…;Password=…;EncryptionMethod=0|1|6;ValidateServerCertificate=0|1``
(the DataDirect-style string the platform shows). Tokenizing is shared
(:mod:`sourcedoctor.connectors.database.connstring`); this module knows the keys, explains each,
maps them onto settings and lists mistakes as ``config.*`` findings. Values are never put in a
finding (the password is one of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
from ..database.names import close_matches

#: Known keys (normalised: lower-case, no blanks) → (settings name, explanation).
KEYS: dict[str, tuple[str, str]] = {
    "server": ("host", "the server's host name or IP address"),
    "host": ("host", "the server's host name or IP address"),
    "port": ("port", "the TCP port PostgreSQL listens on (default 5432)"),
    "portnumber": ("port", "the TCP port PostgreSQL listens on (default 5432)"),
    "database": ("database", "the database to connect to"),
    "databasename": ("database", "the database to connect to"),
    "uid": ("user", "the user name to log in as"),
    "user": ("user", "the user name to log in as"),
    "username": ("user", "the user name to log in as"),
    "userid": ("user", "the user name to log in as"),
    "password": ("password", "the user's password (never shown)"),
    "encryptionmethod": ("encryption", "0 = no TLS, 1 = TLS required, 6 = TLS if the server offers it"),
    "validateservercertificate": (
        "validate",
        "1 = the certificate must chain to a trusted CA and name the host, 0 = any certificate is accepted",
    ),
    "hostnameincertificate": ("server_hostname", "the name the server's certificate must carry"),
    "logintimeout": ("ignored", "seconds to wait for a login (not used by the check)"),
    "schema": ("ignored", "the default schema (not used by the check)"),
}
#: Keys of other drivers' strings, with the key this one takes instead.
FOREIGN: dict[str, str] = {
    "pwd": "Password",
    "sslmode": "EncryptionMethod",
    "ssl": "EncryptionMethod",
    "initialcatalog": "Database",
    "datasource": "Server",
    "dbname": "Database",
}
#: Whose spelling each foreign key is (said in the finding).
FOREIGN_ORIGIN: dict[str, str] = {
    "pwd": "MySQL/ODBC",
    "sslmode": "MySQL/libpq",
    "ssl": "JDBC",
    "initialcatalog": "SQL Server",
    "datasource": "SQL Server",
    "dbname": "libpq",
}
_CANONICAL = [
    "Server",
    "Port",
    "Database",
    "UID",
    "Password",
    "EncryptionMethod",
    "ValidateServerCertificate",
    "HostNameInCertificate",
]
EXAMPLE = "Server=db.example.com;Port=5432;Database=sales;UID=reader;Password=…;EncryptionMethod=1"
MYSQL_PORT = 3306


@dataclass
class Interpreted:
    """What a connection string sets, and what is wrong with it."""

    values: dict[str, Any] = field(default_factory=dict)
    explained: list[dict[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: ConnStringError | None = None


def ssl_mode_of(encryption: str | None, validate: str | None) -> str | None:
    """EncryptionMethod/ValidateServerCertificate as a libpq sslmode (None: neither given)."""
    if encryption is None:
        return None
    validating = validate != "0"  # the driver validates unless told not to
    if encryption == "0":
        return "disable"
    if encryption == "1":
        return "verify-full" if validating else "require"
    return "prefer"  # 6: RequestSSL — TLS when the server offers it, else plain


def interpret(text: str) -> Interpreted:
    """Parse and explain ``text``; never raises (a broken string becomes a finding)."""
    out = Interpreted()
    try:
        parsed = parse(text)
    except ConnStringError as exc:
        out.error = exc
        out.findings.append(unreadable_finding(exc, text, EXAMPLE))
        return out
    _explain(parsed, out)
    return out


def _explain(parsed: Parsed, out: Interpreted) -> None:
    raw: dict[str, str] = {}
    tail = password_tail(parsed, frozenset(KEYS) | frozenset(FOREIGN))
    for pair in parsed.pairs:
        if pair.start in tail:  # maybe the rest of a password holding ';': never its text
            out.findings.append(password_tail_finding(pair, "Password"))
            out.explained.append({"key": "(text after Password=, not shown)",
                                  "meaning": "not a key: if the password holds ';', the rest of it"})
            continue
        key = pair.shown_key()
        if not pair.has_equals:
            out.findings.append(
                make_finding(
                    "config.connstring_invalid",
                    f"{key!r} at character {pair.start} has no '=' (Key=value expected)",
                    evidence={"field": "connection_string", "key": key, "offset": pair.start},
                    field="connection_string",
                    example=EXAMPLE,
                )
            )
            continue
        known = KEYS.get(pair.norm)
        if known is None:
            suggestion = FOREIGN.get(pair.norm) or next(iter(close_matches(key, _CANONICAL, limit=1)), None)
            why = (
                f"{FOREIGN_ORIGIN.get(pair.norm, 'another driver')}'s spelling; this connection "
                "string takes " + FOREIGN[pair.norm]
                if pair.norm in FOREIGN
                else "not a key of the PostgreSQL connection string"
            )
            out.findings.append(
                make_finding(
                    "config.connstring_unknown_key",
                    f"{key} (character {pair.start}) is {why}",
                    evidence={
                        "field": "connection_string",
                        "key": key,
                        "offset": pair.start,
                        "known_keys": _CANONICAL,
                    },
                    key=key,
                    suggestion=suggestion or "one of " + ", ".join(_CANONICAL),
                )
            )
            out.explained.append({"key": key, "meaning": "unknown: ignored"})
            continue
        name, meaning = known
        out.explained.append({"key": key, "meaning": meaning})
        raw[name] = pair.value
    for pairs in parsed.duplicates().values():
        if any(p.start in tail for p in pairs):
            continue  # the password's own text is not a key to name
        key = pairs[0].shown_key()
        out.findings.append(
            make_finding(
                "config.connstring_duplicate_key",
                f"{key} appears {len(pairs)} times; the last one is used",
                evidence={"field": "connection_string", "key": key, "offsets": [p.start for p in pairs]},
                key=key,
            )
        )
    _values(raw, out)


def _bad(out: Interpreted, key: str, allowed: str, why: str) -> None:
    out.findings.append(
        make_finding(
            "config.connstring_bad_value",
            f"{key} {why}",
            evidence={"field": "connection_string", "key": key, "allowed": allowed},
            key=key,
            allowed=allowed,
        )
    )


def _values(raw: dict[str, str], out: Interpreted) -> None:
    v = out.values
    for name in ("host", "database", "user", "server_hostname"):
        if raw.get(name):
            v[name] = raw[name]
    if "password" in raw:
        v["password"] = raw["password"]
    if raw.get("port"):
        text = raw["port"]
        if text.isdigit() and 1 <= int(text) <= 65535:
            v["port"] = int(text)
        else:
            _bad(
                out, "Port", "a number from 1 to 65535 (PostgreSQL's default is 5432)", "is not a port number"
            )
    enc, val = raw.get("encryption"), raw.get("validate")
    if enc is not None and enc not in ("0", "1", "6"):
        _bad(out, "EncryptionMethod", "0 (no TLS), 1 (TLS) or 6 (TLS if offered)", "is not 0, 1 or 6")
        enc = None
    if val is not None and val not in ("0", "1"):
        _bad(out, "ValidateServerCertificate", "0 or 1", "is not 0 or 1")
        val = None
    mode = ssl_mode_of(enc, val)
    if mode is not None:
        v["ssl_mode"] = mode
