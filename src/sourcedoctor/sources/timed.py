"""A FileSource whose every request must be answered in time.

A server can accept a request and never answer it (a stalled gateway, a hung disk). Callers that
loop over reads — the lake copying a sample chunk by chunk — would wait forever; wrapping the source
gives each request the run's per-step timeout, after which ``TimeoutError`` is raised (and the
source's own cancellation handling closes what the request opened).
"""

from __future__ import annotations

import asyncio

from .base import FileEntry, FileSource, Listing

#: A listing is many requests (one per batch of names): it gets this many step timeouts.
LIST_STEPS = 3


class TimedSource:
    """Wraps ``source``: ``stat`` and ``read`` get ``timeout`` seconds each, ``list`` three times
    that; past it they raise ``TimeoutError``."""

    def __init__(self, source: FileSource, timeout: float) -> None:
        self.source = source
        self.timeout = timeout
        self.scheme = source.scheme

    async def stat(self, path: str) -> FileEntry:
        return await asyncio.wait_for(self.source.stat(path), self.timeout)

    async def list(
        self, folder: str, *, limit: int = 10_000, depth: int = 0, glob: str | None = None
    ) -> Listing:
        return await asyncio.wait_for(
            self.source.list(folder, limit=limit, depth=depth, glob=glob),
            self.timeout * LIST_STEPS,
        )

    async def read(self, path: str, offset: int, length: int) -> bytes:
        return await asyncio.wait_for(self.source.read(path, offset, length), self.timeout)
