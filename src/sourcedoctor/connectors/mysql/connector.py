"""The MySQL/MariaDB connector as the registry sees it (see :mod:`sourcedoctor.connectors.base`).

Importing this module loads pydantic and the engine's check types, never PyMySQL: the driver is
imported by the login layer when a run reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from .settings import MysqlSettings, build_settings, parse_mysql_url, redacted_url

_FIELD_EXACT: dict[str, str] = {
    "auth.no_credentials": "user",
    "db.password_rejected": "password",
    "db.auth_method_unsupported": "user",
    "db.database_not_found": "database",
    "db.table_not_found": "table",
    "db.permission_denied": "table",
    "db.tls_required": "ssl_mode",
    "db.tls_unavailable": "ssl_mode",
    "tls.untrusted": "ca_bundle",
    "tls.plaintext": "ssl_mode",
    "db.wrong_protocol": "port",
    "config.db_port_of_other_server": "port",
    "db.server_silent": "port",
    "db.hba_rejected": "user",
    "db.auth_failed": "user",
    "db.sample_timeout": "table",
    "db.sample_failed": "table",
}
_FIELD_PREFIX: dict[str, str] = {
    "config.connstring": "connection_string",
    "dns.": "host",
    "tcp.": "host",
    "tls.": "ssl_mode",
    "db.": "table",
}
#: Platform aliases → settings names (the TUI's form ids are the settings names).
FORM_ALIASES: dict[str, str] = {"server": "host", "username": "user", "sslMode": "ssl_mode",
                                "connectionString": "connection_string"}
DB_ADMIN = "the database server's administrator"


class MysqlConnector:
    """MySQL/MariaDB: settings → DNS → TCP → protocol → TLS → login → database → table → sample
    → types → delta column."""

    name = "mysql"
    schemes = ("mysql", "mariadb")
    title = "MySQL / MariaDB database"
    audiences: Mapping[str, str] = {
        "tcp": "whoever runs the database server (or the firewall in front of it)",
    }

    @property
    def settings_model(self) -> type[MysqlSettings]:
        return MysqlSettings

    def settings(self, url: str | None = None, **values: Any) -> MysqlSettings:
        merged: dict[str, Any] = parse_mysql_url(url) if url else {}
        merged.update({k: v for k, v in values.items() if v is not None})
        return build_settings(**merged)

    def plan(self, settings: MysqlSettings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: MysqlSettings) -> Any:
        from .state import MysqlState

        return MysqlState()

    def target_block(self, settings: MysqlSettings, target: str) -> dict[str, Any]:
        return {"connector": self.name, "profile": target, "url": redacted_url(settings),
                **settings.public_dict()}

    def redactor(self, settings: MysqlSettings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        red.add(settings.password)
        red.add(settings.connection_string)
        red.add_identity("host", settings.host)
        red.add_identity("user", settings.user)
        return red

    def reproduce(self, settings: MysqlSettings, target: str, timeout: float) -> str:
        s = settings
        parts = ["sourcedoctor", "check", redacted_url(s)]
        if s.password is not None:
            parts += ["--password-env", "MYSQL_PASSWORD"]
        if s.connection_string is not None:
            parts += ["--connection-string-env", "MYSQL_CONNECTION_STRING"]
        if s.ssl_mode != "prefer":
            parts += ["--ssl-mode", s.ssl_mode]
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
        relation = state.relation
        return state.source, (f"{relation[0]}.{relation[1]}" if relation else None)


CONNECTOR = MysqlConnector()
