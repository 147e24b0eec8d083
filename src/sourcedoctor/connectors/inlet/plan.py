"""The streaming inlet's plan, in the order a person reads it.

settings → token (local) → records (local) → DNS → TCP → TLS → auth probe (an empty POST) → send
one record (only with --send). The local layers come first: an expired token or a broken record is
named before any traffic, and the records' preview needs no network.
"""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...checks.dns import DnsCheck
from ...checks.tcp import TcpCheck
from ...checks.tls import TlsCheck
from ...targets import TargetProfile
from .checks.payload import PayloadCheck
from .checks.probe import AuthProbeCheck
from .checks.send import SendCheck
from .checks.settings import InletSettingsCheck
from .checks.token import TokenCheck
from .settings import InletSettings


def build_plan(settings: InletSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer from the settings to the one record sent."""
    return [
        InletSettingsCheck(),
        TokenCheck(),
        PayloadCheck(),
        DnsCheck(),
        # A reset as it is accepted: thrown out, no HTTP answer.
        TcpCheck(reset_code="stream.unexpected_answer", service=("HTTPS", 443)),
        TlsCheck(),
        AuthProbeCheck(),
        SendCheck(),
    ]
