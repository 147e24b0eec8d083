"""FileSource over an open asyncssh SFTP client (the connection the diagnosis already made)."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Sequence

import asyncssh

from ..connectors.sftp.pipeline import read_range, scan_dir
from .base import CappedEntries, FileEntry, Listing, SourceError, kind_of_mode

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
        queue: list[tuple[str, int]] = [(folder, 0)]
        budget = limit * _COUNT_FACTOR
        seen = 0
        while queue and seen < budget:
            current, level = queue.pop(0)
            def take(names: Sequence[asyncssh.SFTPName], current: str = current,
                     level: int = level) -> bool:
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
                        queue.append((full, level + 1))
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
        return capped.listing(folder, errors, counting_stopped=seen >= budget)

    async def read(self, path: str, offset: int, length: int) -> bytes:
        try:
            # open, then the reads and the close in one burst: two round trips per range
            return await read_range(self.sftp, path, offset, length)
        except (asyncssh.SFTPError, OSError) as exc:
            raise classify_sftp_error(exc, path) from None
