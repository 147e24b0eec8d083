"""The MySQL/MariaDB diagnosis plan, in the order a person reads it.

settings → DNS → TCP → protocol (the greeting) → TLS → login → database → table & grants →
sample → types → (cloud targets) delta column.
"""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...checks.dns import DnsCheck
from ...checks.tcp import TcpCheck
from ...targets import TargetProfile
from .checks.auth import AuthCheck
from .checks.data import DeltaCheck, SampleCheck, TypesCheck
from .checks.database import DatabaseCheck
from .checks.protocol import ProtocolCheck
from .checks.relation import RelationCheck
from .checks.settings import MysqlSettingsCheck
from .checks.tls import MysqlTlsCheck
from .settings import MysqlSettings


def build_plan(settings: MysqlSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer from settings to the delta column (the target changes how checks judge)."""
    plan: list[Check[Any, Any]] = [
        MysqlSettingsCheck(),
        DnsCheck(),
        # A reset at once: accepted, then thrown out before a greeting.
        TcpCheck(reset_code="db.server_silent", service=("MySQL/MariaDB", 3306)),
        ProtocolCheck(),
        MysqlTlsCheck(),
        AuthCheck(),
        DatabaseCheck(),
        RelationCheck(),
        SampleCheck(),
        TypesCheck(),
    ]
    if target.cloud:
        plan.append(DeltaCheck())
    return plan
