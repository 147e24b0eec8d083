"""What the Azure Blob checks learn and open, shared along the plan (one client serves every layer)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...preview.model import SampleResult
    from ...sources.base import FileEntry
    from .client import BlobClient
    from .source import AzblobSource


@dataclass
class AzblobState:
    """Mutable per-run record. Checks write what they learned; later checks read it.

    ``addresses``/``sock``/``peer``/``tls`` are what the shared DNS, TCP and TLS layers use.
    """

    addresses: list[str] = field(default_factory=list)
    sock: socket.socket | None = None
    peer: tuple[str, int] | None = None
    tls: dict[str, Any] = field(default_factory=dict)
    client: BlobClient | None = None
    source: AzblobSource | None = None
    #: The prefix that was listed ("" is the container root), or the single blob's name.
    folder: str | None = None
    files: list[FileEntry] = field(default_factory=list)
    #: The head of each sampled blob (one ranged GET each), by name, and how much was asked.
    heads: dict[str, bytes] = field(default_factory=dict)
    head_asked: dict[str, int] = field(default_factory=dict)
    samples: list[SampleResult] = field(default_factory=list)
