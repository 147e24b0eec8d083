"""A bounded, timestamped log of what crossed the wire, for the support bundle.

It records protocol facts (identification strings, offered and chosen algorithms, auth methods, SFTP
operations), never payloads or secrets; writers still pass it through redaction before output.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TranscriptEntry:
    at_ms: int
    layer: str
    message: str


@dataclass
class Transcript:
    """Append-only, capped at ``limit`` entries so a chatty server cannot grow it without bound."""

    limit: int = 2000
    entries: list[TranscriptEntry] = field(default_factory=list)
    dropped: int = 0
    _t0: float = field(default_factory=time.monotonic)

    def add(self, layer: str, message: str) -> None:
        if len(self.entries) >= self.limit:
            self.dropped += 1
            return
        at = int((time.monotonic() - self._t0) * 1000)
        self.entries.append(TranscriptEntry(at, layer, message[:2000]))

    def lines(self) -> list[str]:
        out = [f"+{e.at_ms:>7} ms [{e.layer}] {e.message}" for e in self.entries]
        if self.dropped:
            out.append(f"... {self.dropped} more entries not kept")
        return out
