"""The Kafka diagnosis plan: settings → DNS → TCP → (TLS) → broker metadata and SASL →
advertised listeners → topic → consumer group → records."""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...checks.dns import DnsCheck
from ...checks.tcp import TcpCheck
from ...checks.tls import TlsCheck
from ...targets import TargetProfile
from .checks.advertised import AdvertisedListenersCheck
from .checks.broker import KafkaBrokerCheck, KafkaBrokerOverTlsCheck
from .checks.group import ConsumerGroupCheck
from .checks.records import KafkaRecordsCheck
from .checks.settings import KafkaSettingsCheck
from .checks.topic import KafkaTopicCheck
from .settings import KafkaSettings


def build_plan(settings: KafkaSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer; the TLS layer only when the listener speaks TLS."""
    tls: list[Check[Any, Any]] = [TlsCheck(), KafkaBrokerOverTlsCheck()] if settings.tls else [
        KafkaBrokerCheck()]
    return [
        KafkaSettingsCheck(),
        DnsCheck(),
        TcpCheck(reset_code="kafka.no_kafka_answer", service=("Kafka", 9092)),
        *tls,
        AdvertisedListenersCheck(),
        KafkaTopicCheck(),
        ConsumerGroupCheck(),
        KafkaRecordsCheck(),
    ]
