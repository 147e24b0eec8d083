"""The PostgreSQL diagnosis plan, in the order a person reads it.

settings → DNS → TCP → protocol identification → TLS negotiation → TLS certificate → login →
database → table and privileges → sample → types → (aep) delta column.
"""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...checks.dns import DnsCheck
from ...checks.tcp import TcpCheck
from ...targets import TargetProfile
from .checks.auth import AuthCheck
from .checks.database import DatabaseCheck
from .checks.protocol import PgTlsCheck, ProtocolCheck, TlsNegotiationCheck
from .checks.relation import RelationCheck
from .checks.sample import DeltaCheck, SampleCheck, TypesCheck
from .checks.settings import PgSettingsCheck
from .settings import PostgresSettings


def build_plan(settings: PostgresSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer from settings to column types; the delta layer for the ``aep`` target."""
    plan: list[Check[Any, Any]] = [
        PgSettingsCheck(),
        DnsCheck(),
        # A reset at once: accepted, then thrown out before a word.
        TcpCheck(reset_code="db.server_silent", service=("PostgreSQL", 5432)),
        ProtocolCheck(),
        TlsNegotiationCheck(),
        PgTlsCheck(),
        AuthCheck(),
        DatabaseCheck(),
        RelationCheck(),
        SampleCheck(),
        TypesCheck(),
    ]
    if target.name == "aep":
        plan.append(DeltaCheck())
    return plan
