"""What the S3 checks learn and open, shared along the plan (one client serves every layer)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...preview.model import SampleResult
    from ...sources.base import FileEntry
    from .client import S3Client
    from .credentials import ResolvedCredentials
    from .source import S3Source


@dataclass
class S3State:
    """Mutable per-run record. Checks write what they learned; later checks read it.

    ``addresses``/``sock``/``peer`` are what the shared DNS, TCP and TLS layers read and write.
    """

    addresses: list[str] = field(default_factory=list)
    sock: socket.socket | None = None
    peer: tuple[str, int] | None = None
    #: The TLS layer's observations (protocol, cipher, certificate facts).
    tls: dict[str, Any] = field(default_factory=dict)
    credentials: ResolvedCredentials | None = None
    client: S3Client | None = None
    #: The bucket's region as the service reported it.
    bucket_region: str | None = None
    #: Service clock minus ours, in seconds (from the Date header of the signature probe).
    clock_offset_s: float | None = None
    source: S3Source | None = None
    #: The key prefix that was listed ("" is the bucket root), or the single object's key.
    folder: str | None = None
    files: list[FileEntry] = field(default_factory=list)
    #: Storage class of each listed object, by key (STANDARD, GLACIER…).
    storage_classes: dict[str, str] = field(default_factory=dict)
    #: The head of each sampled object (one ranged GET each), by key, and how much was asked.
    heads: dict[str, bytes] = field(default_factory=dict)
    head_asked: dict[str, int] = field(default_factory=dict)
    samples: list[SampleResult] = field(default_factory=list)
