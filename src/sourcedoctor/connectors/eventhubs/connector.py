"""Azure Event Hubs as the registry sees it — settings only (see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from ..common import command_line, secret_env, settings_from
from .settings import EventHubsSettings, build_settings, parse_eventhubs_url, redacted_url

_FIELD_EXACT = {"eventhubs.namespace_invalid": "namespace", "eventhubs.sas_key_invalid": "sas_key",
                "eventhubs.connection_string_invalid": "connection_string",
                "eventhubs.entity_path_mismatch": "event_hub",
                "eventhubs.consumer_group_default": "consumer_group", "auth.no_credentials": "sas_key"}
FORM_ALIASES = {"eventHubName": "event_hub", "sasKeyName": "sas_key_name", "sasKey": "sas_key",
                "connectionString": "connection_string", "consumerGroup": "consumer_group"}


class EventHubsConnector:
    """Azure Event Hubs: settings → credentials (offline) → live layers (not testable offline)."""

    name = "eventhubs"
    schemes = ("eventhubs", "sb")
    title = "Azure Event Hubs"
    audiences: Mapping[str, str] = {}

    @property
    def settings_model(self) -> type[EventHubsSettings]:
        return EventHubsSettings

    def settings(self, url: str | None = None, **values: Any) -> EventHubsSettings:
        return settings_from(url, values, parse_eventhubs_url, build_settings)

    def plan(self, settings: EventHubsSettings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: EventHubsSettings) -> Any:
        from .state import EventHubsState

        return EventHubsState()

    def target_block(self, settings: EventHubsSettings, target: str) -> dict[str, Any]:
        return {"connector": self.name, "profile": target, "url": redacted_url(settings),
                "host": settings.namespace, **settings.public_dict()}

    def redactor(self, settings: EventHubsSettings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        red.add(settings.sas_key)
        red.add(settings.connection_string)
        if settings.connection_string is not None:  # the key inside it, on its own
            from .credentials import parse_connection_string

            red.add(parse_connection_string(settings.connection_string.get_secret_value())
                    .parts.get("sharedaccesskey"))
        red.add_identity("host", settings.namespace)
        return red

    def reproduce(self, settings: EventHubsSettings, target: str, timeout: float) -> str:
        s = settings
        return command_line(redacted_url(s), [
            ("--sas-key-name", s.sas_key_name), ("--consumer-group", s.consumer_group),
            secret_env("--sas-key", s.sas_key, "EVENTHUBS_SAS_KEY"),
            secret_env("--connection-string", s.connection_string, "EVENTHUBS_CONNECTION_STRING"),
        ], target=target, timeout=timeout)

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, {"eventhubs.": "namespace"}, FORM_ALIASES)

    #: No reader: the live layers are not diagnosed offline.
    source_layer = "eventhubs.live"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        return None, None


CONNECTOR = EventHubsConnector()
