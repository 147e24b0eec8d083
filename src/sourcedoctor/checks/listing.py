"""What the object and file sources' listing and reading layers share (S3, Azure Blob, FTP).

Each connector keeps its own checks — how it lists, and how a refusal is explained, are its own
— and calls these for what is the same everywhere: which entries the platform would ingest, the
one file a folder path may name, the listing's facts, and the ranged read of each sampled head.
Typed on :class:`FileSource` and a small :class:`HeadState`, never on a connector.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar

from ..model import Finding
from ..preview.headread import first_read_length
from ..sources.base import FileEntry, FileSource, Listing, SourceError

#: The platform ingests a folder recursively; listings look this many levels down.
LIST_DEPTH = 2

E = TypeVar("E", bound=BaseException)


class HeadState(Protocol):
    """The part of a connector's state the head reads fill."""

    @property
    def source(self) -> FileSource | None: ...  # read-only here: a connector's own source type

    heads: dict[str, bytes]
    head_asked: dict[str, int]


def folder_finding(folder: str) -> Finding | None:
    """``config.invalid`` for a folder path holding a control character (a pasted line break),
    judged before any request; None when the folder is clean."""
    from ..codes import make_finding
    from ..report.escape import first_unsafe_char

    bad = first_unsafe_char(folder)
    if bad is None:
        return None
    return make_finding("config.invalid", f"The folder path contains the control character {bad[1]}",
                        evidence={"field": "folder", "position": bad[0] + 1}, field="folder")


def ingestible(entries: Iterable[FileEntry]) -> list[FileEntry]:
    """Files the platform would take, in its order (hidden ones — .keep, _SUCCESS… — aside)."""
    return [e for e in entries if e.is_file and not e.name.startswith((".", "_"))]


def named(files: list[FileEntry], name: str | None) -> list[FileEntry]:
    """Only the file ``--file`` names (by name, or by its path's end); all when none is named."""
    if not name:
        return files
    return [e for e in files if e.name == name or e.path.endswith("/" + name)]


async def single_file(source: FileSource, path: str) -> FileEntry | None:
    """The one file ``path`` names when listing it as a folder found nothing (an object store's
    folder path may be a whole key), else None."""
    try:
        entry = await source.stat(path)
    except SourceError:
        return None
    return entry if entry.is_file else None


def listing_facts(listing: Listing, files: Sequence[FileEntry], *,
                  errors_key: str = "unlistable_prefixes") -> dict[str, Any]:
    """The listing's facts for the report: counts, the cap, the first files, unlistable parts."""
    facts: dict[str, Any] = {"entries": len(listing.entries), "files": len(files),
                             "truncated": listing.truncated, "first_files": [e.path for e in files[:10]]}
    if listing.counting_stopped:
        facts["truncated_at_least"] = True
    if listing.errors:
        facts[errors_key] = list(listing.errors[:20])
    return facts


def entries_seen(listing: Listing) -> list[str]:
    """The first names a listing saw (evidence for ``path.empty``)."""
    return [e.name for e in listing.entries[:20]]


async def read_head(state: HeadState, entry: FileEntry, head_bytes: int,
                    errors: type[E]) -> bytes | E:
    """One ranged read of ``entry``'s head — as much as the sample layer's first read needs,
    never the whole file; a refusal of type ``errors`` is returned, not raised."""
    assert state.source is not None
    asked = first_read_length(entry.name, entry.size, head_bytes)
    state.head_asked[entry.path] = asked
    try:
        return await state.source.read(entry.path, 0, asked)
    except errors as err:
        return err


def one_per_cause(findings: Iterable[Finding]) -> list[Finding]:
    """The first finding of each code: one per cause (the evidence lists every file)."""
    seen: set[str] = set()
    out: list[Finding] = []
    for finding in findings:
        if finding.code not in seen:
            seen.add(finding.code)
            out.append(finding)
    return out
