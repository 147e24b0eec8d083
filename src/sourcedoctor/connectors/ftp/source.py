"""FileSource over one FTP control connection: MLSD/LIST listings through the shared walk, ranged
reads with REST + RETR that stop after the bytes asked for (never a whole file). Never writes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from ...sources.base import FileEntry, Listing, SourceError
from ...sources.walk import walk
from .errors import FtpError
from .listing import parse_list, parse_mlsd

if TYPE_CHECKING:
    from .client import FtpSession

#: Reply codes that mean "command not implemented" (so MLSD → LIST, MLST → SIZE).
NOT_IMPLEMENTED = (500, 502, 504)
_PERMISSION_WORDS = ("permission", "denied", "privilege", "not allowed", "forbidden", "access")


def kind_of(err: FtpError) -> str:
    """A SourceError kind from a failed FTP exchange (550 texts differ by server: read the words)."""
    if err.kind != "reply":
        return "io"
    text = err.text.lower()
    if any(word in text for word in _PERMISSION_WORDS):
        return "permission_denied"
    if "not a directory" in text:
        return "not_a_directory"
    if "not a file" in text or "is a directory" in text:
        return "not_a_file"
    if err.code in (550, 450, 501) or "no such" in text or "not found" in text or "not exist" in text:
        return "not_found"
    return "io"


class FtpSourceError(SourceError):
    """A SourceError that keeps the FTP reply, for evidence."""

    def __init__(self, path: str, err: FtpError) -> None:
        super().__init__(kind_of(err), path, str(err))
        self.reply = err


class FtpSource:
    """Lists and reads through an :class:`FtpSession` (one command at a time)."""

    scheme = "ftp"

    def __init__(self, session: FtpSession) -> None:
        self.session = session
        #: "MLSD" until the server says it does not implement it, then "LIST".
        self.listing_command = "MLSD"
        #: LIST lines that were neither Unix nor DOS style (not guessed at).
        self.unparsed_lines = 0
        self.cut_folders: list[str] = []

    async def stat(self, path: str) -> FileEntry:
        try:
            text = await self.session.run(lambda ftp: ftp.sendcmd(f"MLST {path}"))
        except FtpError as err:
            if err.kind == "reply" and err.code in NOT_IMPLEMENTED:
                return await self._stat_by_size(path)
            raise FtpSourceError(path, err) from None
        facts = next((ln.strip() for ln in text.split("\n")[1:] if "=" in ln), "")
        entry = parse_mlsd("", facts.split(" ", 1)[0] + " " + path.rsplit("/", 1)[-1]) if facts else None
        if entry is None:
            return FileEntry(path=path, name=path.rsplit("/", 1)[-1], size=None, mtime=None, kind="other")
        return FileEntry(path=path, name=entry.name, size=entry.size, mtime=entry.mtime, kind=entry.kind)

    async def _stat_by_size(self, path: str) -> FileEntry:
        name = path.rstrip("/").rsplit("/", 1)[-1]
        try:
            size = await self.session.run(lambda ftp: ftp.size(path))
        except FtpError as err:
            raise FtpSourceError(path, err) from None
        return FileEntry(path=path, name=name, size=size, mtime=None, kind="file")

    async def list(
        self, folder: str, *, limit: int = 10_000, depth: int = 0, glob: str | None = None
    ) -> Listing:
        async def scan(current: str) -> AsyncIterator[Sequence[FileEntry]]:
            yield await self._scan_one(current, limit * 10)

        return await walk(folder, scan, limit=limit, depth=depth, glob=glob)

    async def _scan_one(self, folder: str, max_lines: int) -> Sequence[FileEntry]:
        """The direct children of ``folder`` (one MLSD or LIST transfer, at most ``max_lines``)."""
        from .client import read_lines  # ftplib only once a run lists

        arg = f" {folder}" if folder else ""
        if self.listing_command == "MLSD":
            try:
                lines, cut = await self.session.run(read_lines, f"MLSD{arg}", max_lines, steps=2.0)
            except FtpError as err:
                if not (err.kind == "reply" and err.code in NOT_IMPLEMENTED):
                    raise FtpSourceError(folder, err) from None
                self.listing_command = "LIST"
            else:
                if cut:
                    self.cut_folders.append(folder)
                return [e for e in (parse_mlsd(folder, ln) for ln in lines) if e is not None]
        try:
            lines, cut = await self.session.run(read_lines, f"LIST{arg}", max_lines, steps=2.0)
        except FtpError as err:
            raise FtpSourceError(folder, err) from None
        if cut:
            self.cut_folders.append(folder)
        entries = []
        for line in lines:
            entry = parse_list(folder, line)
            if entry is None:
                if line.strip() and not line.lower().startswith("total "):
                    self.unparsed_lines += 1
                continue
            entries.append(entry)
        return entries

    async def read(self, path: str, offset: int, length: int) -> bytes:
        if length <= 0:
            return b""
        from .client import read_data  # ftplib only once a run reads

        try:
            return await self.session.run(read_data, f"RETR {path}", length, offset or None)
        except FtpError as err:
            if offset and err.kind == "reply" and err.code == 554:
                return b""  # REST beyond the end of the file: nothing more to read
            raise FtpSourceError(path, err) from None

