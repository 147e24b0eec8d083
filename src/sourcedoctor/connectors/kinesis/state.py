"""What the Kinesis checks learn and open, shared along the plan."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..s3.credentials import ResolvedCredentials
    from .client import KinesisClient
    from .source import KinesisRowSource, ShardRead


@dataclass
class KinesisState:
    """Mutable per-run record (``addresses``/``sock``/``peer``/``tls``: the shared layers')."""

    addresses: list[str] = field(default_factory=list)
    sock: socket.socket | None = None
    peer: tuple[str, int] | None = None
    tls: dict[str, Any] = field(default_factory=dict)
    credentials: ResolvedCredentials | None = None
    client: KinesisClient | None = None
    #: DescribeStream's StreamDescription.
    description: dict[str, Any] = field(default_factory=dict)
    shards: list[str] = field(default_factory=list)
    read: ShardRead | None = None
    source: KinesisRowSource | None = None
    stream: str | None = None
