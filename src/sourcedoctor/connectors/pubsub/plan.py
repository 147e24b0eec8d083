"""Pub/Sub plan: settings → service-account key (offline) → live layers (not testable offline)."""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...targets import TargetProfile
from .checks.credentials import PubSubCredentialsCheck
from .checks.live import PubSubLiveCheck
from .checks.settings import PubSubSettingsCheck
from .settings import PubSubSettings


def build_plan(settings: PubSubSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    return [PubSubSettingsCheck(), PubSubCredentialsCheck(), PubSubLiveCheck()]
