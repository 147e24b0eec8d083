"""FileSource over an open asyncssh SFTP client (the connection the diagnosis already made)."""

from __future__ import annotations

import asyncio
import fnmatch
import posixpath
from collections.abc import Sequence

import asyncssh

from ..connectors.sftp.pipeline import read_range, scan_dir
from .base import CappedEntries, FileEntry, Listing, SourceError, kind_of_mode

#: Subfolders of one level listed at the same time (each holds one handle open on the server).
_FOLDERS_AT_ONCE = 8
#: Beyond the kept entries we keep counting names up to this many times the cap, then stop: a folder
#: with millions of files must not make a listing unbounded in time.
_COUNT_FACTOR = 10


def _kind(mode: int | None, ftype: int | None = None) -> str:
    if mode is not None:
        return kind_of_mode(mode)
    return {
        asyncssh.FILEXFER_TYPE_REGULAR: "file",
        asyncssh.FILEXFER_TYPE_DIRECTORY: "dir",
        asyncssh.FILEXFER_TYPE_SYMLINK: "symlink",
    }.get(ftype or 0, "other")


def classify_sftp_error(exc: Exception, path: str) -> SourceError:
    """Map asyncssh's SFTP errors onto SourceError kinds."""
    if isinstance(exc, asyncssh.SFTPNoSuchFile | asyncssh.SFTPNoSuchPath):
        return SourceError("not_found", path, exc.reason)
    if isinstance(exc, asyncssh.SFTPPermissionDenied):
        return SourceError("permission_denied", path, exc.reason)
    if isinstance(exc, asyncssh.SFTPNotADirectory):
        return SourceError("not_a_directory", path, exc.reason)
    if isinstance(exc, asyncssh.SFTPFileIsADirectory):
        return SourceError("not_a_file", path, exc.reason)
    if isinstance(exc, asyncssh.SFTPError):
        # Many servers (OpenSSH included) send a generic failure for loops and oddities.
        return SourceError("io", path, exc.reason)
    return SourceError("io", path, str(exc) or type(exc).__name__)


def entry_from_attrs(path: str, attrs: asyncssh.SFTPAttrs) -> FileEntry:
    return FileEntry(
        path=path,
        name=posixpath.basename(path.rstrip("/")) or path,
        size=attrs.size,
        mtime=float(attrs.mtime) if attrs.mtime is not None else None,
        kind=_kind(attrs.permissions, attrs.type),
        permissions=attrs.permissions,
    )


class SftpSource:
    """Lists and reads through an asyncssh ``SFTPClient``; never writes."""

    scheme = "sftp"

    def __init__(self, sftp: asyncssh.SFTPClient) -> None:
        self.sftp = sftp

    async def stat(self, path: str) -> FileEntry:
        try:
            attrs = await self.sftp.stat(path)
        except (asyncssh.SFTPError, OSError) as exc:
            raise classify_sftp_error(exc, path) from None
        return entry_from_attrs(path, attrs)

    async def list(
        self, folder: str, *, limit: int = 10_000, depth: int = 0, glob: str | None = None
    ) -> Listing:
        capped = CappedEntries(limit)
        errors: list[str] = []
        budget = limit * _COUNT_FACTOR
        seen = 0

        async def scan(current: str, level: int, found_dirs: list[str]) -> None:
            def take(names: Sequence[asyncssh.SFTPName]) -> bool:
                nonlocal seen
                for name in names:
                    fname = name.filename
                    if isinstance(fname, bytes):
                        fname = fname.decode("utf-8", errors="surrogateescape")
                    if fname in (".", ".."):
                        continue
                    seen += 1
                    full = posixpath.join(current, fname) if current else fname
                    entry = entry_from_attrs(full, name.attrs)
                    if entry.kind == "dir" and level < depth:
                        found_dirs.append(full)
                    if glob and entry.kind != "dir" and not fnmatch.fnmatch(fname, glob):
                        continue
                    capped.add(entry)
                    if seen >= budget:
                        return False
                return True

            try:
                # READDIRs pipelined: a far-away server costs one round trip per burst, not per batch
                await scan_dir(self.sftp, current or ".", take)
            except (asyncssh.SFTPError, OSError) as exc:
                err = classify_sftp_error(exc, current)
                if current == folder:
                    raise err from None
                errors.append(str(err))

        # Level by level; the folders of one level are listed side by side (a few at a time), so
        # subfolders cost round trips per level, not per folder.
        level_dirs, level = [folder], 0
        while level_dirs and seen < budget:
            found: list[str] = []
            for start in range(0, len(level_dirs), _FOLDERS_AT_ONCE):
                if seen >= budget:
                    break
                await asyncio.gather(*(scan(d, level, found)
                                       for d in level_dirs[start:start + _FOLDERS_AT_ONCE]))
            level_dirs, level = sorted(found), level + 1
        errors.sort()  # listed side by side: finishing order is not an order
        return capped.listing(folder, errors, counting_stopped=seen >= budget)

    async def read(self, path: str, offset: int, length: int) -> bytes:
        try:
            # open, then the reads and the close in one burst: two round trips per range
            return await read_range(self.sftp, path, offset, length)
        except (asyncssh.SFTPError, OSError) as exc:
            raise classify_sftp_error(exc, path) from None
