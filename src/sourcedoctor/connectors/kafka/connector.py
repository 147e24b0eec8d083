"""The Kafka connector as the registry sees it (see :mod:`sourcedoctor.connectors.base`).

Importing this module loads pydantic and the engine's check types, never confluent-kafka: the
client is created by the broker layer when a run reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from ..common import command_line, secret_env, settings_from, unless
from .settings import KafkaSettings, build_settings, parse_kafka_url, redacted_url

_FIELD_EXACT: dict[str, str] = {
    "auth.no_credentials": "username",
    "kafka.auth_failed": "password",
    "kafka.auth_required": "sasl_mechanism",
    "kafka.sasl_mechanism_not_offered": "sasl_mechanism",
    "kafka.topic_not_found": "topic",
    "kafka.topic_unavailable": "topic",
    "kafka.topic_empty": "topic",
    "kafka.consumer_group_in_use": "consumer_group",
    "kafka.consumer_group_has_offsets": "consumer_group",
    "tls.untrusted": "ca_bundle",
}
_FIELD_PREFIX: dict[str, str] = {"dns.": "bootstrap_servers", "tcp.": "bootstrap_servers",
                                 "tls.": "tls_enabled", "kafka.": "bootstrap_servers"}
FORM_ALIASES: dict[str, str] = {"bootstrapServers": "bootstrap_servers", "topicName": "topic",
                                "groupId": "consumer_group", "consumerGroup": "consumer_group",
                                "saslMechanism": "sasl_mechanism", "userName": "username",
                                "saslUsername": "username", "saslPassword": "password"}
BROKER_ADMIN = "the Kafka cluster's administrator"


class KafkaConnector:
    """Kafka: settings → DNS → TCP → TLS → broker (SASL, metadata) → advertised listeners →
    topic → consumer group → records."""

    name = "kafka"
    schemes = ("kafka", "kafka+ssl")
    title = "Apache Kafka"
    audiences: Mapping[str, str] = {"tcp": BROKER_ADMIN}

    @property
    def settings_model(self) -> type[KafkaSettings]:
        return KafkaSettings

    def settings(self, url: str | None = None, **values: Any) -> KafkaSettings:
        return settings_from(url, values, parse_kafka_url, build_settings)

    def plan(self, settings: KafkaSettings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: KafkaSettings) -> Any:
        from .state import KafkaState

        return KafkaState()

    def target_block(self, settings: KafkaSettings, target: str) -> dict[str, Any]:
        return {"connector": self.name, "profile": target, "url": redacted_url(settings),
                "host": settings.host, **settings.public_dict()}

    def redactor(self, settings: KafkaSettings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        red.add(settings.password)
        for host, _ in settings.servers:
            red.add_identity("host", host)
        red.add_identity("user", settings.username)
        return red

    def reproduce(self, settings: KafkaSettings, target: str, timeout: float) -> str:
        s = settings
        return command_line(redacted_url(s), [
            ("--sasl-mechanism", s.sasl_mechanism), ("--username", s.username),
            ("--consumer-group", s.consumer_group), ("--ca-bundle", s.ca_bundle),
            ("--resolver", s.resolver), secret_env("--password", s.password, "KAFKA_PASSWORD"),
            ("--rows", unless(s.rows, 10)),
        ], target=target, timeout=timeout)

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, _FIELD_PREFIX, FORM_ALIASES)

    source_layer = "kafka.topic"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        return state.source, state.topic


CONNECTOR = KafkaConnector()
