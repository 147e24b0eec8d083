"""Byte sources: one small interface (list a folder, stat, read a byte range) over SFTP, local files
and, later, object storage, so sampling and preview code never cares where bytes come from."""

from .base import FileEntry, FileSource, Listing, SourceError

__all__ = ["FileEntry", "FileSource", "Listing", "SourceError"]
