"""What the Event Hubs checks share (no connection is ever opened)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EventHubsState:
    """The namespace and hub the settings and credentials layers settled on."""

    namespace: str | None = None
    event_hub: str | None = None
    key_name: str | None = None
