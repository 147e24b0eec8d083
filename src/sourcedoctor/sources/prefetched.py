"""A FileSource that answers from bytes already read, and asks the real source for the rest.

The SFTP files layer reads the heads of the sampled files all at once (their round trips
overlap); the sample layer then reads the same heads through this wrapper without another round
trip. Stat answers come from the listing that found the files a moment earlier, so a file that
changed since shows up as a short head, which the sample layer reports as "changed while read".
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import FileEntry, FileSource, Listing


class PrefetchedSource:
    """Wrap ``source``; ``heads`` maps a path to the bytes read from offset 0 (short = end of
    file when shorter than asked), ``entries`` maps a path to its listing entry."""

    def __init__(self, source: FileSource, heads: Mapping[str, bytes],
                 entries: Mapping[str, FileEntry], *, asked: Mapping[str, int]) -> None:
        self.source = source
        self.scheme = source.scheme
        self._heads = heads
        self._entries = entries
        self._asked = asked

    async def stat(self, path: str) -> FileEntry:
        entry = self._entries.get(path)
        return entry if entry is not None else await self.source.stat(path)

    async def list(
        self, folder: str, *, limit: int = 10_000, depth: int = 0, glob: str | None = None
    ) -> Listing:
        return await self.source.list(folder, limit=limit, depth=depth, glob=glob)

    async def read(self, path: str, offset: int, length: int) -> bytes:
        head = self._heads.get(path)
        if head is None or offset > len(head):
            return await self.source.read(path, offset, length)
        have = head[offset:offset + length]
        # A head shorter than what was asked ended at the end of the file: nothing more to read.
        at_end = len(head) < self._asked.get(path, 0)
        if len(have) == length or at_end:
            return have
        return have + await self.source.read(path, offset + len(have), length - len(have))
