"""What the FTP checks learn and open, shared along the plan (one control connection serves all)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...preview.model import SampleResult
    from ...sources.base import FileEntry
    from .client import FtpSession
    from .source import FtpSource


@dataclass
class FtpState:
    """Mutable per-run record. ``addresses``/``sock``/``peer``/``tls`` are what the shared DNS,
    TCP and TLS layers read and write; the rest is the FTP layers'."""

    addresses: list[str] = field(default_factory=list)
    sock: socket.socket | None = None
    peer: tuple[str, int] | None = None
    tls: dict[str, Any] = field(default_factory=dict)
    #: The greeting's lines as the server sent them (the probe connection's).
    greeting: list[str] = field(default_factory=list)
    session: FtpSession | None = None
    #: The folder the login put us in (PWD), and FEAT's lines.
    login_folder: str | None = None
    features: list[str] = field(default_factory=list)
    source: FtpSource | None = None
    folder: str | None = None
    files: list[FileEntry] = field(default_factory=list)
    heads: dict[str, bytes] = field(default_factory=dict)
    head_asked: dict[str, int] = field(default_factory=dict)
    samples: list[SampleResult] = field(default_factory=list)
