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
from ..common import Flag, command_line, secret_env, settings_from, unless
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
    title = "PostgreSQL, Redshift, Aurora"
    audiences: Mapping[str, str] = {
        "tcp": "the network / firewall team, or the database server's administrator"
    }

    @property
    def settings_model(self) -> type[PostgresSettings]:
        return PostgresSettings

    def settings(self, url: str | None = None, **values: Any) -> PostgresSettings:
        return settings_from(url, values, parse_postgres_url, build_settings)

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
        # With a connection string the URL is bare and only the explicitly given fields follow
        # (the rest comes from the string again); without one, the URL holds them.
        pasted = s.connection_string is not None
        explicit: list[Flag] = [
            ("--host", s.host_field), ("--user", s.user_field), ("--database", s.database_field),
            ("--table", s.table),
        ] if pasted else []
        return command_line(redacted_url(s) if not pasted else "postgresql://", [
            secret_env("--connection-string", s.connection_string, "PG_CONNECTION_STRING"),
            *explicit,
            secret_env("--password", s.password_field, "PGPASSWORD"),
            ("--ssl-mode", s.ssl_mode_field),
            ("--ca-bundle", s.ca_bundle), ("--resolver", s.resolver),
            ("--sample-rows", unless(s.sample_rows, 10)),
        ], target=target, timeout=timeout)

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, _FIELD_PREFIX, FORM_ALIASES)

    source_layer = "db.relation"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        relation = f"{state.relation[0]}.{state.relation[1]}" if state.relation else None
        return state.source, relation


CONNECTOR = PostgresConnector()
