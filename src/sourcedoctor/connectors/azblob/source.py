"""FileSource over one container: folders are name prefixes, reads are ranged GETs (never whole blobs).

Paths are blob names without a leading slash; a "folder" is a prefix (``in/daily``) whose direct
children come from one hierarchical listing (``/`` delimiter), page by page; the shared walk
(:mod:`sourcedoctor.sources.walk`) does the levels, the entry cap and the sorting. Zero-byte
blobs ending in ``/`` and the directory blobs of hierarchical-namespace accounts
(``hdi_isfolder=true``) are folders, not data, and are left out.
"""

from __future__ import annotations

import posixpath
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from ...sources.base import FileEntry, Listing, SourceError
from ...sources.walk import walk
from .client import BlobClient, BlobFailure

#: Names per listing request (the service allows 5,000; smaller pages keep each answer quick).
PAGE = 1000


class AzblobSourceError(SourceError):
    """A SourceError that keeps the service's answer, so layers can name the exact error code."""

    def __init__(self, kind: str, path: str, failure: BlobFailure) -> None:
        super().__init__(kind, path, f"{failure.code}: {failure.message}".strip(": "))
        self.failure = failure


def kind_of(failure: BlobFailure) -> str:
    if failure.code in ("BlobNotFound", "ContainerNotFound", "ResourceNotFound", "404"):
        return "not_found"
    if failure.code.startswith("Authorization") or failure.code in ("AuthenticationFailed", "403"):
        return "permission_denied"
    return "io"


def _mtime(value: Any) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


def _is_folder_blob(item: Any) -> bool:
    meta = getattr(item, "metadata", None) or {}
    return str(meta.get("hdi_isfolder", "")).lower() == "true" or str(item.name).endswith("/")


class AzblobSource:
    """Lists and reads one container through a :class:`BlobClient`; never writes."""

    scheme = "azblob"

    def __init__(self, client: BlobClient) -> None:
        self.client = client

    @staticmethod
    def _entry(name: str, size: int | None, mtime: float | None, kind: str = "file") -> FileEntry:
        return FileEntry(path=name, name=posixpath.basename(name.rstrip("/")) or name, size=size,
                         mtime=mtime, kind=kind)

    async def stat(self, path: str) -> FileEntry:
        name = path.strip("/")
        if not name:
            return self._entry("", None, None, "dir")
        blob = self.client.container.get_blob_client(name)
        try:
            props = await self.client.call(blob.get_blob_properties)
        except BlobFailure as failure:
            if kind_of(failure) != "not_found":
                raise AzblobSourceError(kind_of(failure), name, failure) from None
            async for batch in self.client.pages(name + "/", 1):
                if batch:
                    return self._entry(name, None, None, "dir")
                break
            raise AzblobSourceError("not_found", name, failure) from None
        if str((props.metadata or {}).get("hdi_isfolder", "")).lower() == "true":
            return self._entry(name, None, None, "dir")
        return self._entry(name, int(props.size or 0), _mtime(props.last_modified))

    async def _scan(self, folder: str) -> AsyncIterator[Sequence[FileEntry]]:
        prefix = f"{folder}/" if folder else ""
        try:
            async for items in self.client.pages(prefix, PAGE):
                batch: list[FileEntry] = []
                for item in items:
                    name = str(item.name)
                    if not hasattr(item, "size"):  # a BlobPrefix: a subfolder
                        if name.rstrip("/"):
                            batch.append(self._entry(name.rstrip("/"), None, None, "dir"))
                        continue
                    if name == prefix or _is_folder_blob(item):
                        continue
                    batch.append(self._entry(name, int(item.size or 0), _mtime(item.last_modified)))
                yield batch
        except BlobFailure as failure:
            raise AzblobSourceError(kind_of(failure), folder, failure) from None

    async def list(
        self, folder: str, *, limit: int = 10_000, depth: int = 0, glob: str | None = None
    ) -> Listing:
        return await walk(folder.strip("/"), self._scan, limit=limit, depth=depth, glob=glob)

    async def read(self, path: str, offset: int, length: int) -> bytes:
        if length <= 0:
            return b""
        name = path.strip("/")
        try:
            return await self.client.read(name, max(0, offset), length)
        except BlobFailure as failure:
            if failure.code == "InvalidRange":  # at or past the end (or a zero-byte blob)
                return b""
            raise AzblobSourceError(kind_of(failure), name, failure) from None
