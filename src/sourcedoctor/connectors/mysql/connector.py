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
from ..common import command_line, secret_env, settings_from, unless
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
        # The same words as PostgreSQL's: one cause, one "who acts" (docs/databases.md).
        "tcp": "the network / firewall team, or the database server's administrator",
    }

    @property
    def settings_model(self) -> type[MysqlSettings]:
        return MysqlSettings

    def settings(self, url: str | None = None, **values: Any) -> MysqlSettings:
        return settings_from(url, values, parse_mysql_url, build_settings)

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
        return command_line(redacted_url(s), [
            secret_env("--password", s.password, "MYSQL_PASSWORD"),
            secret_env("--connection-string", s.connection_string, "MYSQL_CONNECTION_STRING"),
            ("--ssl-mode", unless(s.ssl_mode, "prefer")),
            ("--ca-bundle", s.ca_bundle), ("--resolver", s.resolver),
            ("--sample-rows", unless(s.sample_rows, 10)),
        ], target=target, timeout=timeout)

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, _FIELD_PREFIX, FORM_ALIASES)

    source_layer = "db.relation"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        relation = state.relation
        return state.source, (f"{relation[0]}.{relation[1]}" if relation else None)


CONNECTOR = MysqlConnector()
