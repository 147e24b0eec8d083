"""A bounded, timestamped log of what crossed the wire, for the support bundle.

It records protocol facts (identification strings, offered and chosen algorithms, auth methods, SFTP
operations), never payloads or secrets; writers still pass it through redaction before output. A
line given as a :class:`~sourcedoctor.sentence.Sentence` stays one, so the writers pseudonymise the
hosts and users it quotes by name (see docs/report.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .sentence import Sentence

#: Longest message kept per entry (a chatty server cannot grow one line without bound).
MESSAGE_LIMIT = 2000


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
        if not isinstance(message, Sentence) or len(message) > MESSAGE_LIMIT:
            message = message[:MESSAGE_LIMIT]  # (a plain str: an over-long sentence is cut)
        self.entries.append(TranscriptEntry(at, layer, message))

    def lines(self) -> list[str]:
        """One line per entry, ``+   12 ms [layer] message`` (Sentences stay Sentences)."""
        out = [_line(e) for e in self.entries]
        if self.dropped:
            out.append(f"... {self.dropped} more entries not kept")
        return out


def _line(entry: TranscriptEntry) -> str:
    prefix = f"+{entry.at_ms:>7} ms [{entry.layer}] "
    if isinstance(entry.message, Sentence):
        escaped = prefix.replace("{", "{{").replace("}", "}}")
        return Sentence(escaped + entry.message.template, entry.message.values)
    return prefix + entry.message
