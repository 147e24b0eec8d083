"""FileSource over a bucket: folders are key prefixes, reads are ranged GETs (never whole objects).

Paths are keys without a leading slash; a "folder" is a prefix (``in/daily``), listed one level at
a time with the ``/`` delimiter, page by page (at most 1,000 keys a page) until the entry budget is
spent — a prefix with millions of keys costs a bounded number of requests. Zero-byte keys ending in
``/`` (the folder markers consoles create) are not files and are left out.
"""

from __future__ import annotations

import posixpath
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from ...sources.base import FileEntry, Listing, SourceError
from ...sources.walk import walk
from .client import S3Answer, S3Client

_PAGE = 1000


class S3SourceError(SourceError):
    """A SourceError that keeps the S3 answer, so layers can name the exact error code."""

    def __init__(self, kind: str, path: str, answer: S3Answer) -> None:
        super().__init__(kind, path, f"{answer.code}: {answer.message}".strip(": "))
        self.answer = answer


def _kind_of(answer: S3Answer) -> str:
    if answer.code in ("NoSuchKey", "404", "NotFound", "NoSuchBucket"):
        return "not_found"
    if answer.code in ("AccessDenied", "403", "InvalidObjectState") or answer.code.startswith("KMS."):
        return "permission_denied"
    return "io"


def _mtime(value: Any) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


class S3Source:
    """Lists and reads one bucket through an :class:`S3Client`; never writes."""

    scheme = "s3"

    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        #: Storage class of every key seen by a listing (archived objects cannot be read).
        self.storage_classes: dict[str, str] = {}

    def _entry(self, key: str, size: int | None, mtime: float | None, kind: str = "file") -> FileEntry:
        return FileEntry(path=key, name=posixpath.basename(key.rstrip("/")) or key, size=size,
                         mtime=mtime, kind=kind)

    async def stat(self, path: str) -> FileEntry:
        key = path.strip("/")
        if not key:
            return self._entry("", None, None, "dir")
        head = await self.client.call("head_object", Bucket=self.bucket, Key=key)
        if head.ok:
            return self._entry(key, int(head.data.get("ContentLength", 0)),
                               _mtime(head.data.get("LastModified")))
        if head.code not in ("404", "NoSuchKey", "NotFound"):
            raise S3SourceError(_kind_of(head), key, head)
        probe = await self.client.call("list_objects_v2", Bucket=self.bucket, Prefix=key + "/",
                                       MaxKeys=1)
        if not probe.ok:
            raise S3SourceError(_kind_of(probe), key, probe)
        if probe.data.get("KeyCount", 0):
            return self._entry(key, None, None, "dir")
        raise S3SourceError("not_found", key, head)

    async def list(
        self, folder: str, *, limit: int = 10_000, depth: int = 0, glob: str | None = None
    ) -> Listing:
        return await walk(folder.strip("/"), self._scan, limit=limit, depth=depth, glob=glob)

    async def _scan(self, current: str) -> AsyncIterator[Sequence[FileEntry | SourceError]]:
        """One prefix's sub-prefixes and keys, a ListObjectsV2 page at a time."""
        prefix = f"{current}/" if current else ""
        token: str | None = None
        while True:
            params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "Delimiter": "/",
                                      "MaxKeys": _PAGE}
            if token:
                params["ContinuationToken"] = token
            page = await self.client.call("list_objects_v2", **params)
            if not page.ok:
                raise S3SourceError(_kind_of(page), current, page)
            batch: list[FileEntry | SourceError] = []
            for sub in page.data.get("CommonPrefixes", []):
                name = str(sub.get("Prefix", "")).rstrip("/")
                if name:
                    batch.append(self._entry(name, None, None, "dir"))
            for obj in page.data.get("Contents", []):
                key = str(obj.get("Key", ""))
                if key == prefix or key.endswith("/"):
                    continue  # a folder marker, not data
                self.storage_classes[key] = str(obj.get("StorageClass", "STANDARD"))
                batch.append(self._entry(key, int(obj.get("Size", 0)),
                                         _mtime(obj.get("LastModified"))))
            yield batch
            token = page.data.get("NextContinuationToken")
            if not page.data.get("IsTruncated") or not token:
                return

    async def read(self, path: str, offset: int, length: int) -> bytes:
        if length <= 0:
            return b""
        key = path.strip("/")
        answer = await self.client.call(
            "get_object", read_body=length, Bucket=self.bucket, Key=key,
            Range=f"bytes={max(0, offset)}-{max(0, offset) + length - 1}")
        if answer.ok:
            body = answer.data.get("Body", b"")
            return bytes(body[:length])
        if answer.code == "InvalidRange":  # at or past the end of the object (or a 0-byte one)
            return b""
        raise S3SourceError(_kind_of(answer), key, answer)
