"""What the inlet checks learn, shared along the plan."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import InletAnswer
    from .records import RecordFile
    from .source import RecordSource


@dataclass
class InletState:
    """Mutable per-run record. ``addresses``/``sock``/``peer``/``tls`` are the shared DNS, TCP and
    TLS layers' (see checks/network.py and checks/tls.py)."""

    addresses: list[str] = field(default_factory=list)
    sock: socket.socket | None = None
    peer: tuple[str, int] | None = None
    tls: dict[str, Any] = field(default_factory=dict)
    token_facts: dict[str, Any] = field(default_factory=dict)
    records: RecordFile | None = None
    source: RecordSource | None = None
    #: The relation name the preview shows (the records file's name).
    relation: str | None = None
    probe: InletAnswer | None = None
    sent: InletAnswer | None = None
