"""The PostgreSQL connector as the registry sees it (see :mod:`sourcedoctor.connectors.base`).

Importing this module loads pydantic and the engine's check types, never asyncpg: the client is
imported by the login layer when a run reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from .settings import SCHEMES, PostgresSettings, build_settings, parse_postgres_url, redacted_url

DB_ADMIN = "the database server's administrator"

_FIELD_EXACT: dict[str, str] = {
    "db.password_rejected": "password_field",
    "auth.no_credentials": "password_field",
    "db.database_not_found": "database_field",
    "db.table_not_found": "table",
    "db.tls_required": "ssl_mode_field",
    "db.tls_unavailable": "ssl_mode_field",
    "db.wrong_protocol": "port_field",
    "config.db_port_of_other_server": "port_field",
    "tls.untrusted": "ca_bundle",
}
_FIELD_PREFIX: dict[str, str] = {
    "config.connstring": "connection_string",
    "dns.": "host_field",
    "tcp.": "host_field",
    "tls.": "ssl_mode_field",
}
FORM_ALIASES: dict[str, str] = {
    "server": "host_field",
    "host": "host_field",
    "port": "port_field",
    "database": "database_field",
    "username": "user_field",
    "user": "user_field",
    "password": "password_field",
    "sslMode": "ssl_mode_field",
    "connectionString": "connection_string",
}


class PostgresConnector:
    """PostgreSQL: settings → DNS → TCP → protocol → TLS → login → database → table → sample → types."""

    name = "postgres"
    schemes = SCHEMES
    title = "PostgreSQL (and Redshift, Aurora, CockroachDB)"
    audiences: Mapping[str, str] = {
        "tcp": "the network / firewall team, or the database server's administrator"
    }

    @property
    def settings_model(self) -> type[PostgresSettings]:
        return PostgresSettings

    def settings(self, url: str | None = None, **values: Any) -> PostgresSettings:
        merged: dict[str, Any] = parse_postgres_url(url) if url else {}
        merged.update({k: v for k, v in values.items() if v is not None})
        return build_settings(**merged)

    def plan(self, settings: PostgresSettings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: PostgresSettings) -> Any:
        from .state import PostgresState

        return PostgresState()

    def target_block(self, settings: PostgresSettings, target: str) -> dict[str, Any]:
        return {
            "connector": self.name,
            "profile": target,
            "url": redacted_url(settings),
            **settings.public_dict(),
        }

    def redactor(self, settings: PostgresSettings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        red.add(settings.password)
        red.add(settings.connection_string)
        if settings.host:
            red.add_identity("host", settings.host)
        red.add_identity("user", settings.user)
        return red

    def reproduce(self, settings: PostgresSettings, target: str, timeout: float) -> str:
        s = settings
        parts = ["sourcedoctor", "check", redacted_url(s) if s.connection_string is None else "postgresql://"]
        if s.connection_string is not None:
            parts += ["--connection-string-env", "PG_CONNECTION_STRING"]
            for flag, value in (
                ("--host", s.host_field),
                ("--user", s.user_field),
                ("--database", s.database_field),
                ("--table", s.table),
            ):
                if value:
                    parts += [flag, value]
        if s.password_field is not None:
            parts += ["--password-env", "PGPASSWORD"]
        if s.ssl_mode_field:
            parts += ["--ssl-mode", s.ssl_mode_field]
        for flag, value in (("--ca-bundle", s.ca_bundle), ("--resolver", s.resolver)):
            if value:
                parts += [flag, value]
        if s.sample_rows != 10:
            parts += ["--sample-rows", str(s.sample_rows)]
        if target != "generic":
            parts += ["--target", target]
        if timeout != 10.0:
            parts += ["--timeout", f"{timeout:g}"]
        return " ".join(parts)

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, _FIELD_PREFIX, FORM_ALIASES)

    source_layer = "db.relation"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        relation = f"{state.relation[0]}.{state.relation[1]}" if state.relation else None
        return state.source, relation


CONNECTOR = PostgresConnector()
