"""What the Kafka checks learn and open, shared along the plan."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import ClusterInfo, GroupState, ReadResult
    from .source import KafkaRowSource


@dataclass
class KafkaState:
    """Mutable per-run record. ``addresses``/``sock``/``peer``/``tls`` are what the shared DNS,
    TCP and TLS layers read and write (for the first bootstrap broker)."""

    addresses: list[str] = field(default_factory=list)
    sock: socket.socket | None = None
    peer: tuple[str, int] | None = None
    tls: dict[str, Any] = field(default_factory=dict)
    cluster: ClusterInfo | None = None
    group: GroupState | None = None
    read: ReadResult | None = None
    source: KafkaRowSource | None = None
    #: The topic the run found (what preview samples), or None.
    topic: str | None = None
