"""How much of a file's head to read: all of ``head_bytes`` for plain files, and for compressed
ones only as many compressed bytes as the decompressor needs to fill the sample.

A 1 MiB sample of CSV is about 300 KB of gzip; reading a full 1 MiB compressed head would transfer
three times what the sample needs. Compressed heads are therefore read in growing steps, and
``unpack`` (the same decoder the sniffer uses, with the same caps) decides after each step whether
more input could still change the sample. Every read is a round trip (over SFTP an open, a read and
a close), so after the first step the next one is sized from the compression ratio seen so far
rather than by blind doubling: most files take two reads.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from . import magic
from .unpack import unpack

#: The first read of a file whose name says it is compressed. Enough for every signature (tar's
#: sits at byte 257) and for the zip local header of a first member.
FIRST_STEP = 64 * 1024
#: Read this much more than the ratio seen so far says is needed: data later in a file often
#: compresses a little worse, and one extra round trip costs more than a few KB.
_MARGIN = 1.15
#: Names for which the first read is a small step. The name only sizes that first read: what the
#: bytes are is decided by their signature, and a misnamed file is still read correctly.
_COMPRESSED_SUFFIXES = (".gz", ".gzip", ".tgz", ".bz2", ".tbz", ".tbz2", ".zip", ".tar")

ReadAt = Callable[[int, int], Awaitable[bytes]]


@dataclass(frozen=True)
class Head:
    """The bytes read from the start of a file.

    ``short``: a read returned less than the listed size promised, so the file shrank or was
    replaced while being read. ``reads``: how many reads it took.
    """

    data: bytes
    short: bool
    reads: int


def first_read_length(name: str, size: int | None, head_bytes: int) -> int:
    """How many bytes ``read_head`` reads first: the whole head of a plain file, a small step of a
    file whose name says it is compressed. Reading this much ahead of time (e.g. while other
    files are read) serves that first read."""
    limit = head_bytes if size is None else min(head_bytes, size)
    return min(limit, FIRST_STEP) if name.lower().endswith(_COMPRESSED_SUFFIXES) else limit


async def read_head(read_at: ReadAt, *, name: str, size: int | None, head_bytes: int,
                    out_cap: int) -> Head:
    """Read the head of a file of ``size`` bytes (None: unknown) through ``read_at(offset, n)``.

    Plain files: the first ``min(head_bytes, size)`` bytes in one read. Compressed files (gzip,
    bzip2, zip, tar and their combinations, recognised by signature): growing steps, stopping as
    soon as ``unpack`` with ``out_cap`` no longer needs more input, and never beyond
    ``head_bytes``. Raises whatever ``read_at`` raises.
    """
    limit = head_bytes if size is None else min(head_bytes, size)
    first = first_read_length(name, size, head_bytes)
    state = _Reader(read_at, size)
    await state.grow(first)
    compression, readable = magic.compression_of(state.data)
    if compression is None:
        # Plain data under a compressed-looking name: the rest of the head in one read.
        await state.grow(limit)
        return state.head()
    if not readable:
        return state.head()  # xz, zstd...: reported from the signature alone
    while not state.short and len(state.data) < limit:
        data = state.data
        # Decoding is CPU work of a few ms: keep it off the event loop that serves the reads.
        un = await asyncio.to_thread(unpack, data, compression, whole=False, out_cap=out_cap)
        if not un.needs_more:
            break
        target = 2 * len(data)
        if un.data:
            target = max(target, math.ceil(len(data) * out_cap / len(un.data) * _MARGIN))
        await state.grow(min(limit, target))
    return state.head()


class _Reader:
    """Appends reads to the head and notices a read that comes back shorter than promised."""

    def __init__(self, read_at: ReadAt, size: int | None) -> None:
        self._read_at, self._size = read_at, size
        self.data = b""
        self.short = False
        self.reads = 0

    async def grow(self, total: int) -> None:
        have = len(self.data)
        # The first read happens even for 0 bytes: it is what finds an unreadable empty file.
        if self.short or (total <= have and self.reads):
            return
        chunk = await self._read_at(have, total - have)
        self.reads += 1
        if len(chunk) < total - have:
            # With a listed size, a short read means the file changed; without one it is the end.
            self.short = True
        self.data += chunk

    def head(self) -> Head:
        return Head(self.data, self.short and self._size is not None, self.reads)
