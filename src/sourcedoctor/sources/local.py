"""FileSource over the local file system (a sample attached to a ticket, a mounted share).

Reads are positioned and bounded. Anything that is not a regular file (FIFO, device, socket) is
never opened: opening a FIFO for reading blocks until a writer appears, which would hang the
preview.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat as statmod
from collections.abc import AsyncIterator
from pathlib import Path

from .base import FileEntry, Listing, SourceError, kind_of_mode
from .walk import walk


def classify_os_error(exc: OSError, path: str) -> SourceError:
    """Map an OSError onto the SourceError kinds shared by every source."""
    detail = exc.strerror or str(exc)
    if exc.errno == errno.ENOENT:
        return SourceError("not_found", path, detail)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return SourceError("permission_denied", path, detail)
    if exc.errno == errno.ENOTDIR:
        return SourceError("not_a_directory", path, detail)
    if exc.errno == errno.EISDIR:
        return SourceError("not_a_file", path, detail)
    if exc.errno == errno.ELOOP:
        return SourceError("io", path, "symbolic link loop")
    return SourceError("io", path, detail)


def _entry(path: str, st: os.stat_result) -> FileEntry:
    return FileEntry(
        path=path,
        name=os.path.basename(path.rstrip("/")) or path,
        size=st.st_size if statmod.S_ISREG(st.st_mode) else None,
        mtime=st.st_mtime,
        kind=kind_of_mode(st.st_mode),
        permissions=st.st_mode,
    )


class LocalSource:
    """Lists and reads local files. ``root`` (optional) anchors relative paths; never writes."""

    scheme = "local"

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else None

    def _real(self, path: str) -> str:
        if self.root is None or os.path.isabs(path):
            return path or "."
        return os.path.join(self.root, path) if path else str(self.root)

    # --- blocking parts, run in a worker thread ------------------------------------------------

    def _stat(self, path: str) -> FileEntry:
        try:
            st = os.stat(self._real(path))
        except OSError as exc:
            raise classify_os_error(exc, path) from None
        return _entry(path, st)

    def _children(self, current: str, visited: set[tuple[int, int]]
                  ) -> list[FileEntry | SourceError]:
        """The entries of one folder (links followed, so a link to a file is a file; a dangling
        link or a loop stays "symlink" and is reported, never read)."""
        entries: list[FileEntry | SourceError] = []
        try:
            top = os.stat(self._real(current))
            if (top.st_dev, top.st_ino) in visited:  # reached again through a link: no cycles
                return entries
            visited.add((top.st_dev, top.st_ino))
            with os.scandir(self._real(current)) as it:
                for de in it:
                    full = os.path.join(current, de.name) if current else de.name
                    try:
                        entries.append(_entry(full, de.stat(follow_symlinks=True)))
                    except OSError:
                        try:
                            entries.append(_entry(full, de.stat(follow_symlinks=False)))
                        except OSError as exc:
                            entries.append(classify_os_error(exc, full))
        except OSError as exc:
            raise classify_os_error(exc, current) from None
        return entries

    def _read(self, path: str, offset: int, length: int) -> bytes:
        real = self._real(path)
        try:
            # O_NONBLOCK: should the path have become a FIFO since it was listed, open() must not
            # wait for a writer; fstat then refuses it before any read.
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise classify_os_error(exc, path) from None
        try:
            st = os.fstat(fd)
            if not statmod.S_ISREG(st.st_mode):
                raise SourceError("not_a_file", path, f"not a regular file ({kind_of_mode(st.st_mode)})")
            return os.pread(fd, max(0, length), max(0, offset))
        except OSError as exc:
            raise classify_os_error(exc, path) from None
        finally:
            os.close(fd)

    # --- the FileSource protocol ---------------------------------------------------------------

    async def stat(self, path: str) -> FileEntry:
        """Stat one path, following symlinks; raises SourceError."""
        return await asyncio.to_thread(self._stat, path)

    async def list(
        self, folder: str, *, limit: int = 10_000, depth: int = 0, glob: str | None = None
    ) -> Listing:
        """Bounded listing sorted by path; ``truncated`` counts entries beyond ``limit``."""
        visited: set[tuple[int, int]] = set()  # (dev, inode) of folders already listed

        async def scan(current: str) -> AsyncIterator[list[FileEntry | SourceError]]:
            yield await asyncio.to_thread(self._children, current, visited)

        return await walk(folder, scan, limit=limit, depth=depth, glob=glob)

    async def read(self, path: str, offset: int, length: int) -> bytes:
        """Read up to ``length`` bytes at ``offset`` of a regular file; raises SourceError."""
        return await asyncio.to_thread(self._read, path, offset, length)
