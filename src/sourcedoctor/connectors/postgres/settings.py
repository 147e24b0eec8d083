"""PostgreSQL connection settings: the pydantic model, ``postgresql://`` URL parsing, derived facts.

Aliases are the platform's field names (``server``, ``port``, ``database``, ``username``,
``password``, ``sslMode``, ``connectionString``). The password and the pasted connection string are
secrets: only from ``--password-env``/``--password-stdin`` and ``--connection-string-env``/
``--connection-string-stdin``. A connection string may stand alone (``postgresql://`` with no host):
its values fill every field not given explicitly. A broken connection string is *not* a settings
error: the settings layer reports it as ``config.connstring_*`` findings naming the key.

Only the standard library and pydantic are imported here (never asyncpg).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...config.fields import CaBundle, HostFacts, OptionalPort, Resolver, between, check_host_name, cli, is_ip
from ...config.urls import SettingsError
from ...config.validation import build
from .connstring import Interpreted, interpret

DEFAULT_PORT = 5432
SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
SCHEMES = ("postgresql", "postgres")



class PostgresSettings(HostFacts, BaseModel):
    """Everything needed to reach one PostgreSQL database (and optionally one table in it)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    host_field: str = Field(
        "",
        title="Host",  # the form's label (the name carries "_field")
        alias="server",
        validation_alias=AliasChoices("server", "host", "host_field"),
        description="Server host name or IP address (empty: from the connection string).",
        json_schema_extra=cli("--host"),
    )
    port_field: OptionalPort = Field(
        None,
        title="Port",  # the form's label (the name carries "_field")
        alias="port",
        validation_alias=AliasChoices("port", "port_field"),
        description="TCP port (default 5432).",
        # Shown, not filled in: a pasted connection string's Port= must still win over an empty box.
        json_schema_extra={**cli("--port"), "placeholder": str(DEFAULT_PORT)},
    )
    database_field: str | None = Field(
        None,
        title="Database",  # the form's label (the name carries "_field")
        alias="database",
        validation_alias=AliasChoices("database", "dbname", "database_field"),
        description="Database name (default: the user name, as PostgreSQL does).",
        json_schema_extra=cli("--database"),
    )
    user_field: str | None = Field(
        None,
        title="User",  # the form's label (the name carries "_field")
        alias="username",
        validation_alias=AliasChoices("username", "user", "user_field"),
        description="User name to log in as.",
        json_schema_extra=cli("--user"),
    )
    password_field: SecretStr | None = Field(
        None,
        title="Password",  # the form's label (the name carries "_field")
        alias="password",
        validation_alias=AliasChoices("password", "password_field"),
        description="The user's password; never typed on a command line.",
        json_schema_extra=cli("--password", secret=True),
    )
    ssl_mode_field: SslMode | None = Field(
        None,
        title="SSL mode",  # the form's label (the name carries "_field")
        alias="sslMode",
        validation_alias=AliasChoices("sslMode", "ssl_mode", "sslmode", "ssl_mode_field"),
        description="TLS: disable, allow, prefer (default), require, verify-ca, verify-full.",
        json_schema_extra=cli("--ssl-mode"),
    )
    connection_string: SecretStr | None = Field(
        None,
        alias="connectionString",
        validation_alias=AliasChoices("connectionString", "connection_string"),
        description="The platform's pasted connection string (Server=…;Port=…;Database=…;UID=…;"
        "Password=…;EncryptionMethod=…); it holds the password, so never on a command line.",
        json_schema_extra=cli("--connection-string", secret=True),
    )
    table: str | None = Field(
        None,
        description="Table or view to check and sample, schema.table (no schema: the first on "
        "the user's search path, usually public).",
        json_schema_extra=cli("--table"),
    )
    ca_bundle: CaBundle = Field(
        None,
        description="PEM file of the CA(s) to trust for the server's TLS certificate.",
        json_schema_extra=cli("--ca-bundle"),
    )
    resolver: Resolver = Field(
        None,
        description="DNS server to ask, IP[:PORT] (default: system).",
        json_schema_extra=cli("--resolver"),
    )
    sample_rows: int = Field(
        10,
        description="Rows read from the table (LIMIT; never a full scan).",
        json_schema_extra=cli("--sample-rows"),
    )
    max_relations: int = Field(
        1_000, description="Most schemas or tables ever listed.", json_schema_extra=cli("--max-relations")
    )

    @field_validator("host_field")
    @classmethod
    def _host(cls, v: str) -> str:
        v = v.strip()
        if not v:
            return ""
        if "://" in v or "/" in v:
            raise ValueError("must be the host name only (db.example.com), not a URL or path")
        if not is_ip(v.strip("[]")):
            check_host_name(v)
        return v.strip("[]")

    @field_validator("user_field", "database_field", "table")
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if "\x00" in v:
            raise ValueError("contains a NUL byte")
        if len(v) > 1000:
            raise ValueError(f"is {len(v)} characters long; names are at most 63")
        return v.strip()

    _counts = field_validator("sample_rows", "max_relations")(between(1, 100_000))

    # --- the connection string, interpreted once ------------------------------------------------

    @cached_property
    def pasted(self) -> Interpreted | None:
        """The connection string's values and mistakes (None when none was given)."""
        if self.connection_string is None:
            return None
        return interpret(self.connection_string.get_secret_value())

    def _from_string(self, name: str) -> Any:
        return self.pasted.values.get(name) if self.pasted is not None else None

    # --- effective values: an explicit field wins over the connection string ---------------------

    @property
    def host(self) -> str:
        text = self.host_field or str(self._from_string("host") or "")
        return text.strip().strip("[]")

    @property
    def port(self) -> int:
        return self.port_field or int(self._from_string("port") or DEFAULT_PORT)

    @property
    def user(self) -> str | None:
        return self.user_field or self._from_string("user")

    @property
    def database(self) -> str | None:
        return self.database_field or self._from_string("database") or self.user

    @property
    def password(self) -> str | None:
        if self.password_field is not None:
            return self.password_field.get_secret_value()
        value = self._from_string("password")
        return None if value is None else str(value)

    @property
    def ssl_mode(self) -> str:
        return self.ssl_mode_field or self._from_string("ssl_mode") or "prefer"

    @property
    def server_hostname(self) -> str:
        return str(self._from_string("server_hostname") or self.host)

    @property
    def tls(self) -> bool:
        """Whether the TLS layer judges a certificate (verify-ca / verify-full)."""
        return self.ssl_mode in ("verify-ca", "verify-full")

    def public_dict(self) -> dict[str, Any]:
        """Settings for reports: secrets replaced by whether they were given."""
        return {
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "user": self.user,
            "ssl_mode": self.ssl_mode,
            "table": self.table,
            "password": "set" if self.password is not None else None,
            "connection_string": "set" if self.connection_string is not None else None,
            "ca_bundle": self.ca_bundle,
            "sample_rows": self.sample_rows,
        }



def parse_postgres_url(url: str) -> dict[str, Any]:
    """``postgresql://user@host:port/db?table=schema.table&sslmode=…`` → settings values."""
    text = url.strip()
    if any(ord(c) < 32 for c in text):
        raise SettingsError("url", "contains a control character (NUL, newline…)")
    if len(text) > 4096:
        raise SettingsError("url", f"is {len(text)} characters long; a database URL is at most a few hundred")
    parts = urlsplit(text)
    if parts.scheme.lower() not in SCHEMES:
        raise SettingsError("url", f"{url[:80]!r} is not a postgresql:// URL")
    if parts.password is not None:
        raise SettingsError("url", "must not contain a password; give it with --password-env VAR")
    try:
        port = parts.port
    except ValueError:
        raise SettingsError("port", "in the URL is not a number from 1 to 65535") from None
    values: dict[str, Any] = {}
    if parts.hostname:
        values["host_field"] = unquote(parts.hostname)
    if port is not None:
        values["port_field"] = port
    if parts.username:
        values["user_field"] = unquote(parts.username)
    db = unquote(parts.path.lstrip("/"))
    if db:
        values["database_field"] = db
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        k = key.lower()
        if k == "table":
            values["table"] = value
        elif k == "sslmode":
            values["ssl_mode_field"] = value
        elif k in ("sslrootcert", "ca_bundle"):
            values["ca_bundle"] = value
        else:
            raise SettingsError(
                "url", f"query parameter {key[:40]!r} is not known (table=, sslmode=, sslrootcert=)"
            )
    return values


def build_settings(**values: Any) -> PostgresSettings:
    """Validate settings, turning pydantic's error into one SettingsError naming the field."""
    return build(PostgresSettings, values)


def redacted_url(s: PostgresSettings) -> str:
    """The URL form of the settings (never a password)."""
    if not s.host:  # nothing usable yet (an unreadable connection string): no ":5432/" shell
        return "postgresql://" + (f"?table={s.table}" if s.table else "")
    host = f"[{s.host}]" if ":" in s.host else s.host
    user = f"{s.user}@" if s.user else ""
    url = f"postgresql://{user}{host}:{s.port}/{s.database or ''}"
    return url + (f"?table={s.table}" if s.table else "")
