"""The FileSource protocol and the plain data it returns."""

from __future__ import annotations

import stat as statmod
from dataclasses import dataclass, field
from typing import Protocol


class SourceError(Exception):
    """A read/list failure, classified. ``kind`` is one of: not_found, permission_denied,
    not_a_directory, not_a_file, vanished, io (anything else); ``detail`` is the server's words."""

    def __init__(self, kind: str, path: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {path}" + (f" ({detail})" if detail else ""))
        self.kind = kind
        self.path = path
        self.detail = detail


def kind_of_mode(mode: int) -> str:
    """A FileEntry kind from a POSIX mode (as stat and SFTP attributes give it)."""
    if statmod.S_ISREG(mode):
        return "file"
    if statmod.S_ISDIR(mode):
        return "dir"
    if statmod.S_ISLNK(mode):
        return "symlink"
    return "other"


@dataclass(frozen=True)
class FileEntry:
    """One entry of a listing. ``path`` is usable with the same source's ``read``/``stat``."""

    path: str
    name: str
    size: int | None
    mtime: float | None
    kind: str  # "file" | "dir" | "symlink" | "other" (FIFO, device, socket)
    permissions: int | None = None

    @property
    def is_file(self) -> bool:
        return self.kind == "file"


@dataclass(frozen=True)
class Listing:
    """A bounded listing: ``truncated`` counts entries seen but not kept beyond the cap.

    Counting itself stops at a multiple of the cap (a folder of millions of names must not make
    a listing unbounded in time); then ``counting_stopped`` is True and ``truncated`` is a lower
    bound: say "at least N more", never "N more".
    """

    folder: str
    entries: tuple[FileEntry, ...]
    truncated: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)
    counting_stopped: bool = False

    @property
    def files(self) -> tuple[FileEntry, ...]:
        return tuple(e for e in self.entries if e.is_file)


class CappedEntries:
    """Keeps the first ``limit`` entries in platform (path) order while a listing streams in,
    in bounded memory (at most twice the cap), counting what it leaves out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: list[FileEntry] = []
        self.truncated = 0

    def add(self, entry: FileEntry) -> None:
        self.kept.append(entry)
        if len(self.kept) >= 2 * self.limit:
            self._cut()

    def _cut(self) -> None:
        self.kept.sort(key=lambda e: e.path)
        self.truncated += max(0, len(self.kept) - self.limit)
        del self.kept[self.limit :]

    def listing(self, folder: str, errors: list[str], *, counting_stopped: bool = False) -> Listing:
        self._cut()
        return Listing(folder, tuple(self.kept), self.truncated, tuple(errors),
                       counting_stopped and self.truncated > 0)


class FileSource(Protocol):
    """What sampling, preview and ingest need from any place that holds files."""

    #: Short name for messages and reports ("sftp", "local", ...).
    scheme: str

    async def stat(self, path: str) -> FileEntry:
        """Stat one path (following symlinks); raises SourceError."""
        ...

    async def list(
        self, folder: str, *, limit: int = 10_000, depth: int = 0, glob: str | None = None
    ) -> Listing:
        """List ``folder`` (recursing ``depth`` levels), never keeping more than ``limit`` entries,
        sorted the way the platform takes files (by path)."""
        ...

    async def read(self, path: str, offset: int, length: int) -> bytes:
        """Read up to ``length`` bytes at ``offset`` (short at end of file); raises SourceError."""
        ...
