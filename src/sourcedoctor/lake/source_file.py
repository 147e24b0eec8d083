"""One file of a FileSource (SFTP…) read as a seekable Python file, from a worker thread.

Python's ``zipfile`` and ``tarfile`` read ordinary file objects; this one turns each read into a
ranged read on the source's event loop, so an archive on a server is read as it is consumed: a tar
stream from its start as far as the batch needs, a zip from its central directory at the end and
then each member's range. Nothing is downloaded whole first.
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, Any

from .errors import LakeError

if TYPE_CHECKING:
    from ..sources.base import FileSource

#: Bytes asked for per round trip (reads are buffered on top of this).
READ_CHUNK = 256 * 1024


class SourceFile(io.RawIOBase):
    """``path`` of ``source`` as a raw, seekable binary file.

    Must be used from a thread other than ``loop``'s: each read is run on ``loop`` and waited for
    up to ``timeout`` seconds. ``head`` (bytes already read at offset 0, e.g. by the preview's
    sampler) is served without another read. More than ``max_bytes`` transferred raises
    :class:`LakeError`, as the copy of a plain file does.
    """

    def __init__(
        self,
        source: FileSource,
        path: str,
        size: int,
        loop: asyncio.AbstractEventLoop,
        *,
        timeout: float,
        label: str,
        head: bytes = b"",
        max_bytes: int | None = None,
    ) -> None:
        super().__init__()
        self._source, self._path, self._size, self._loop = source, path, size, loop
        self._timeout, self._label, self._head, self._max = timeout, label, head, max_bytes
        self._pos = 0
        #: Bytes fetched from the source (the head given at start not counted).
        self.transferred = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        want = min(len(view), max(0, self._size - self._pos))
        if want <= 0:
            return 0
        if self._pos < len(self._head):
            data = self._head[self._pos:self._pos + want]
        else:
            data = self._fetch(self._pos, want)
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def _fetch(self, offset: int, length: int) -> bytes:
        from ..sources.base import SourceError

        if self._max is not None and self.transferred + length > self._max:
            raise LakeError(
                "file",
                f"{self._label}: reading it would transfer more than {self._max} bytes; raise "
                "--max-bytes or ingest fewer rows",
            )
        future = asyncio.run_coroutine_threadsafe(
            self._source.read(self._path, offset, length), self._loop
        )
        try:
            data = future.result(self._timeout)
        except TimeoutError:
            future.cancel()
            from .. import codes
            from .readable import DataRefused

            raise DataRefused(self._label, (codes.make_finding(
                "check.timeout",
                f"reading {self._label} got no answer within {self._timeout:g} s",
                evidence={"file": self._label, "offset": offset, "timeout_s": self._timeout}),
            )) from None
        except SourceError as err:
            raise LakeError("source", f"{err.kind} reading {self._label}") from None
        self.transferred += len(data)
        if not data:
            raise LakeError(
                "source", f"{self._label}: the file ended at {offset} bytes, {self._size} listed "
                "(it changed while being read)"
            )
        return data


def open_source_file(
    source: FileSource,
    path: str,
    size: int,
    loop: asyncio.AbstractEventLoop,
    *,
    timeout: float,
    label: str,
    head: bytes = b"",
    max_bytes: int | None = None,
) -> io.BufferedReader:
    """A buffered :class:`SourceFile`: small reads by zipfile/tarfile become 256 KiB ranges."""
    raw = SourceFile(source, path, size, loop, timeout=timeout, label=label, head=head,
                     max_bytes=max_bytes)
    return io.BufferedReader(raw, READ_CHUNK)
