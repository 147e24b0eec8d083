"""MySQL/MariaDB connection settings: the pydantic model, ``mysql://`` URLs, the pasted connection string.

Field aliases are the platform's names (``server``, ``port``, ``database``, ``username``,
``password``, ``sslMode``), so a connection JSON copied from the platform validates as it is. The
platform also shows the connection as a string, ``Server=…;Port=…;Database=…;UID=…;PWD=…``; it
carries the password, so it is a secret field (``--connection-string-env VAR`` /
``--connection-string-stdin``) and is merged here: values given as their own settings win, the
string fills the rest. Its mistakes (``Password=`` for ``PWD=``, a PostgreSQL port, unknown keys)
are judged by the settings layer (:mod:`.connstring`), not refused here — only text that cannot be
a connection string at all is a :class:`SettingsError` naming ``connection_string``.

Only the standard library and pydantic are imported here: parsing a URL must not load PyMySQL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...config.fields import CaBundle, HostFacts, Port, Resolver, between, check_host_name, cli
from ...config.urls import SettingsError
from ...config.validation import build
from ...report.escape import first_unsafe_char

DEFAULT_PORT = 3306
SCHEMES = ("mysql", "mariadb")
#: sslMode values (PostgreSQL/libpq words, which the platform uses) and MySQL's own words for them.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_SSL_SYNONYMS = {"disabled": "disable", "false": "disable", "0": "disable", "none": "disable",
                 "preferred": "prefer", "required": "require", "true": "require", "1": "require",
                 "verify_ca": "verify-ca", "verifyca": "verify-ca",
                 "verify_identity": "verify-full", "verify-identity": "verify-full",
                 "verifyfull": "verify-full", "verify_full": "verify-full"}
#: Longest identifier MySQL accepts (database, table, column names).
MAX_IDENTIFIER = 64



def normalize_ssl_mode(value: str) -> str:
    """``REQUIRED`` → ``require``, ``VERIFY_IDENTITY`` → ``verify-full``; ValueError otherwise."""
    word = value.strip().lower()
    word = _SSL_SYNONYMS.get(word, word)
    if word not in SSL_MODES:
        raise ValueError(f"must be one of {', '.join(SSL_MODES)} (or MySQL's DISABLED, PREFERRED, "
                         "REQUIRED, VERIFY_CA, VERIFY_IDENTITY)")
    return word


def identifier_problem(name: str) -> str | None:
    """Why ``name`` cannot be a MySQL identifier (database, table), or None.

    Anything else is allowed and later quoted with backticks (a backtick doubled), never pasted
    into SQL as it is."""
    if not name:
        return "is empty"
    if len(name) > MAX_IDENTIFIER:
        return f"is {len(name)} characters long; MySQL names have at most {MAX_IDENTIFIER}"
    if "\x00" in name:
        return "contains a NUL character"
    bad = first_unsafe_char(name)
    if bad is not None:
        return f"contains the control character {bad[1]}"
    if name != name.rstrip(" "):
        return "ends with a space (MySQL names cannot)"
    return None


class MysqlSettings(HostFacts, BaseModel):
    """Everything needed to reach one MySQL or MariaDB database (and optionally one table)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    host: str = Field(
        "", alias="server", validation_alias=AliasChoices("server", "host", "Server"),
        description="Server name or IP address (the platform's 'server').", json_schema_extra=cli("--host"))
    port: Port = Field(
        DEFAULT_PORT, validation_alias=AliasChoices("port", "Port"),
        description="TCP port (MySQL and MariaDB listen on 3306).",
        # Shown, not filled in: a pasted connection string's Port= must win over an untouched box.
        json_schema_extra={**cli("--port"), "placeholder": str(DEFAULT_PORT)})
    database: str | None = Field(
        None, validation_alias=AliasChoices("database", "Database", "db"),
        description="Database (schema) to read.", json_schema_extra=cli("--database"))
    user: str | None = Field(
        None, alias="username", validation_alias=AliasChoices("username", "user", "userName", "uid", "UID"),
        description="Login user name (the platform's 'username', UID in the connection string).",
        json_schema_extra=cli("--user"))
    password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("password", "pwd", "PWD"),
        description="Password (PWD in the connection string); never typed on a command line.",
        json_schema_extra=cli("--password", secret=True))
    ssl_mode: str = Field(
        "prefer", alias="sslMode", validation_alias=AliasChoices("sslMode", "ssl_mode", "sslmode"),
        description="TLS: disable, allow, prefer, require, verify-ca or verify-full (MySQL's DISABLED, "
                    "PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY are accepted).",
        json_schema_extra=cli("--ssl-mode"))
    ca_bundle: CaBundle = Field(
        None, description="PEM file of the CA(s) to trust for the server's certificate (verify-ca/full).",
        json_schema_extra=cli("--ca-bundle"))
    table: str | None = Field(
        None, description="Table (or view) to check and sample; DB.TABLE names another database.",
        json_schema_extra=cli("--table"))
    connection_string: SecretStr | None = Field(
        None, alias="connectionString",
        validation_alias=AliasChoices("connectionString", "connection_string"),
        description="The platform's connection string, Server=…;Port=…;Database=…;UID=…;PWD=… "
                    "(it holds the password: from a variable or stdin only).",
        json_schema_extra=cli("--connection-string", secret=True))
    resolver: Resolver = Field(
        None, description="DNS server to ask, IP[:PORT] (default: system).",
        json_schema_extra=cli("--resolver"))
    sample_rows: int = Field(10, description="Rows read from the table (LIMIT, never a full scan).",
                             json_schema_extra=cli("--sample-rows"))

    @field_validator("host")
    @classmethod
    def _host(cls, v: str) -> str:
        v = v.strip()
        if not v:
            return v  # a connection string may give it; the connector says when nothing did
        if "://" in v or "/" in v or any(c.isspace() for c in v):
            raise ValueError("must be the server's name or IP address only (no scheme, path or spaces)")
        if first_unsafe_char(v) is not None:
            raise ValueError("must not contain control characters")
        if v.startswith("[") and v.endswith("]"):
            v = v[1:-1]
        check_host_name(v)
        return v

    @field_validator("database", "table")
    @classmethod
    def _identifier(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if "\x00" in v or first_unsafe_char(v) is not None:
            raise ValueError("must not contain control characters or NUL bytes")
        if len(v) > 2 * MAX_IDENTIFIER + 1:
            raise ValueError(f"is {len(v)} characters long; MySQL names have at most {MAX_IDENTIFIER}")
        return v.strip()

    @field_validator("user")
    @classmethod
    def _user(cls, v: str | None) -> str | None:
        if v is None or not v:
            return None
        if first_unsafe_char(v) is not None:
            raise ValueError("must not contain control characters")
        if len(v) > 128:
            raise ValueError("is longer than any MySQL user name (at most 80 characters)")
        return v

    @field_validator("ssl_mode")
    @classmethod
    def _ssl_mode(cls, v: str) -> str:
        return normalize_ssl_mode(v)

    _rows = field_validator("sample_rows")(between(1, 10_000))

    # --- derived facts (what the shared DNS/TCP/TLS layers need) -----------------------------

    @property
    def tls(self) -> bool:
        """True unless sslMode is disable (the TLS layer decides with the server's flags)."""
        return self.ssl_mode != "disable"

    @property
    def verify_certificate(self) -> bool:
        return self.ssl_mode in ("verify-ca", "verify-full")

    @property
    def table_ref(self) -> tuple[str | None, str] | None:
        """(database, table) of the ``table`` setting: ``DB.T`` names the database, else None."""
        if not self.table:
            return None
        if "." in self.table:
            db, _, name = self.table.partition(".")
            return (db or None), name
        return None, self.table

    @property
    def table_database(self) -> str | None:
        """The database holding the table: the one in ``DB.T``, else the database setting."""
        ref = self.table_ref
        return (ref[0] if ref and ref[0] else None) or self.database

    def public_dict(self) -> dict[str, Any]:
        """The settings for reports: secrets replaced by whether they were given."""
        out = self.model_dump(exclude={"password", "connection_string"})
        out["password"] = "set" if self.password is not None else None
        out["connection_string"] = "set" if self.connection_string is not None else None
        return out



def parse_mysql_url(url: str) -> dict[str, Any]:
    """``mysql://USER@HOST:PORT/DB?table=T&sslMode=require`` → settings values. SettingsError.

    ``mysql://`` alone (no host) is allowed: the connection string then gives the server."""
    text = url.strip()
    scheme, sep, _ = text.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        raise SettingsError("url", "must start with mysql:// or mariadb:// (mysql://user@host:3306/db?table=t)")
    bad = first_unsafe_char(text)
    if bad is not None:
        raise SettingsError("url", f"contains the control character {bad[1]} at position {bad[0] + 1}")
    if len(text) > 4096:
        raise SettingsError("url", f"is {len(text):,} characters long; a MySQL URL is a few dozen")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise SettingsError("url", f"is malformed ({exc}); use mysql://user@host:3306/db") from None
    if parts.password is not None:
        raise SettingsError("url", "must not contain the password; give it with --password-env VAR")
    values: dict[str, Any] = {}
    if parts.hostname:
        values["host"] = parts.hostname
    if port is not None:
        values["port"] = port
    if parts.username:
        values["user"] = unquote(parts.username)
    db = unquote(parts.path).strip("/")
    if db:
        if "/" in db:
            raise SettingsError("database", f"{db!r} has a '/': the URL path is one database name "
                                            "(put the table in ?table=)")
        values["database"] = db
    for key, found in parse_qs(parts.query, keep_blank_values=True).items():
        name = {"table": "table", "sslmode": "ssl_mode", "ssl-mode": "ssl_mode",
                "ssl_mode": "ssl_mode"}.get(key.lower())
        if name is None:
            raise SettingsError("url", f"unknown parameter {key[:40]!r}; known: table, sslMode")
        values[name] = found[-1]
    return values


def merge_connection_string(values: dict[str, Any]) -> dict[str, Any]:
    """Fill settings the user did not give from the connection string (which is kept as is).

    Text that is not a connection string (garbage, NUL bytes, 1 MB pasted) fills nothing: the
    settings layer reports it as ``config.connstring_invalid``, never echoing a value."""
    from .connstring import settings_from

    raw = values.get("connection_string")
    if raw is None:
        return values
    text = raw.get_secret_value() if isinstance(raw, SecretStr) else str(raw)
    found = settings_from(text)
    merged = dict(values)
    for name, value in found.items():
        if merged.get(name) is None:
            merged[name] = value
    merged["connection_string"] = SecretStr(text)
    return merged


def build_settings(**values: Any) -> MysqlSettings:
    """Validate settings (connection string merged), one SettingsError naming the field."""
    merged = merge_connection_string({k: v for k, v in values.items() if v is not None})
    settings = build(MysqlSettings, merged)
    if not settings.host and settings.connection_string is None:
        # With a connection string, a missing server is a settings finding (next to what is wrong
        # with the string), as for PostgreSQL.
        raise SettingsError("host", "is missing; give mysql://user@HOST:3306/db or Server= in the "
                                    "connection string")
    return settings


def redacted_url(settings: MysqlSettings) -> str:
    """The URL form of the settings (never holds a secret)."""
    if not settings.host:  # nothing usable yet (an unreadable connection string): no ":3306/" shell
        return "mysql://" + (f"?table={settings.table}" if settings.table else "")
    user = f"{settings.user}@" if settings.user else ""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"mysql://{user}{host}:{settings.port}/{settings.database or ''}"
    return url + (f"?table={settings.table}" if settings.table else "")
