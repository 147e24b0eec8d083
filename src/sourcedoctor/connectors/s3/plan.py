"""The S3 diagnosis plan: which checks, in which order (the order a person reads them).

settings → credentials → addressing → DNS → TCP → TLS → signature & clock → bucket → listing →
objects → sample → format. The credentials layer needs no network, so it runs beside DNS/TCP/TLS.
"""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...checks.sample import FormatCheck
from ...checks.tcp import TcpCheck
from ...checks.tls import TlsCheck
from ...targets import TargetProfile
from .checks.addressing import AddressingCheck
from .checks.bucket import BucketCheck
from .checks.credentials import CredentialsCheck
from .checks.data import S3SampleCheck
from .checks.listing import ListingCheck
from .checks.network import S3DnsCheck
from .checks.objects import ObjectsCheck
from .checks.settings import S3SettingsCheck
from .checks.signature import SignatureCheck
from .settings import S3Settings


def build_plan(settings: S3Settings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer from settings to data format (the target changes how checks judge)."""
    return [
        S3SettingsCheck(),
        CredentialsCheck(),
        AddressingCheck(),
        S3DnsCheck(),
        # A reset as it is accepted: thrown out, no S3 answer.
        TcpCheck(reset_code="s3.request_failed", service=("HTTPS", 443)),
        TlsCheck(),
        SignatureCheck(),
        BucketCheck(),
        ListingCheck(),
        ObjectsCheck(),
        S3SampleCheck(),
        FormatCheck(),
    ]
