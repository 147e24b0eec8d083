"""The Kinesis diagnosis plan: settings → credentials → DNS → TCP → TLS → stream → records."""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...checks.dns import DnsCheck
from ...checks.tcp import TcpCheck
from ...checks.tls import TlsCheck
from ...targets import TargetProfile
from .checks.credentials import KinesisCredentialsCheck
from .checks.records import KinesisRecordsCheck
from .checks.settings import KinesisSettingsCheck
from .checks.stream import KinesisStreamCheck
from .settings import KinesisSettings


def build_plan(settings: KinesisSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer (the TLS layer says ``tls.plaintext`` for an http:// endpoint)."""
    return [
        KinesisSettingsCheck(),
        KinesisCredentialsCheck(),
        DnsCheck(),
        TcpCheck(reset_code="kinesis.request_failed", service=("HTTPS", 443)),
        TlsCheck(),
        KinesisStreamCheck(),
        KinesisRecordsCheck(),
    ]
