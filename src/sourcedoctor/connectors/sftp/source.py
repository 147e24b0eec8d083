"""FileSource over an open asyncssh SFTP client (the connection the diagnosis already made)."""

from __future__ import annotations

import posixpath
from collections.abc import AsyncIterator

import asyncssh

from ...sources.base import FileEntry, Listing, SourceError, kind_of_mode
from ...sources.walk import walk
from .pipeline import iter_dir, read_range

#: Subfolders of one level listed at the same time (each holds one handle open on the server).
_FOLDERS_AT_ONCE = 8


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


def _text(filename: str | bytes) -> str:
    return filename.decode("utf-8", errors="surrogateescape") if isinstance(filename, bytes) \
        else filename


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
        async def scan(current: str) -> AsyncIterator[list[FileEntry | SourceError]]:
            try:
                # READDIRs pipelined: a far-away server costs one round trip per burst, not per batch
                async for names in iter_dir(self.sftp, current or "."):
                    yield [entry_from_attrs(posixpath.join(current, f) if current else f, n.attrs)
                           for n in names if (f := _text(n.filename)) not in (".", "..")]
            except (asyncssh.SFTPError, OSError) as exc:
                raise classify_sftp_error(exc, current) from None

        # The folders of one level are listed side by side (a few at a time), so subfolders cost
        # round trips per level, not per folder.
        return await walk(folder, scan, limit=limit, depth=depth, glob=glob,
                          folders_at_once=_FOLDERS_AT_ONCE)

    async def read(self, path: str, offset: int, length: int) -> bytes:
        try:
            # open, then the reads and the close in one burst: two round trips per range
            return await read_range(self.sftp, path, offset, length)
        except (asyncssh.SFTPError, OSError) as exc:
            raise classify_sftp_error(exc, path) from None
