"""Event Hubs plan: settings → credentials (offline) → live layers (not testable offline)."""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...targets import TargetProfile
from .checks.credentials import EventHubsCredentialsCheck
from .checks.live import EventHubsLiveCheck
from .checks.settings import EventHubsSettingsCheck
from .settings import EventHubsSettings


def build_plan(settings: EventHubsSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    return [EventHubsSettingsCheck(), EventHubsCredentialsCheck(), EventHubsLiveCheck()]
