"""The Azure Blob diagnosis plan: which checks, in which order (the order a person reads them).

settings → DNS → TCP → TLS → authentication → container → listing → blobs → sample → format.
"""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...checks.dns import DnsCheck
from ...checks.sample import FormatCheck
from ...checks.tcp import TcpCheck
from ...checks.tls import TlsCheck
from ...targets import TargetProfile
from .checks.auth import AuthCheck
from .checks.blobs import BlobsCheck
from .checks.container import ContainerCheck
from .checks.data import AzblobSampleCheck
from .checks.listing import ListingCheck
from .checks.settings import AzblobSettingsCheck
from .settings import AzblobSettings


def build_plan(settings: AzblobSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer from settings to data format (the target changes how checks judge)."""
    return [
        AzblobSettingsCheck(),
        DnsCheck(),
        # A reset as it is accepted: thrown out, no blob answer.
        TcpCheck(reset_code="blob.request_failed", service=("HTTPS", 443)),
        TlsCheck(),
        AuthCheck(),
        ContainerCheck(),
        ListingCheck(),
        BlobsCheck(),
        AzblobSampleCheck(),
        FormatCheck(),
    ]
