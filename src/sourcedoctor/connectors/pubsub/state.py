"""What the Pub/Sub checks share (no connection is ever opened)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PubSubState:
    project_id: str | None = None
    client_email: str | None = None
