"""The one listing walk every file-like source uses: breadth-first, bounded, in platform order.

A source supplies only ``scan(folder)``: the direct children of one folder, in batches as its
protocol delivers them (a READDIR reply, a page of ListObjectsV2, an MLSD answer). The walk owns
everything else, so every source behaves the same way:

- levels are walked breadth-first up to ``depth`` (0: the folder itself), the folders of one level
  a few at a time (``folders_at_once``: each may hold a handle open on the server);
- ``glob`` filters file names (folders are kept so the reader sees the tree);
- at most ``limit`` entries are kept (the first in path order, see :class:`CappedEntries`), and
  counting stops at ``limit × COUNT_FACTOR`` names: a folder of millions of names must not make a
  listing unbounded in time;
- an error on the top folder is raised (the caller's finding); errors below it are collected as
  sentences and the walk goes on.
"""

from __future__ import annotations

import asyncio
import fnmatch
from collections.abc import AsyncIterator, Callable, Sequence

from .base import CappedEntries, FileEntry, Listing, SourceError

#: Beyond the kept entries the walk keeps counting names up to this many times the cap, then stops.
COUNT_FACTOR = 10

#: The direct children of one folder, in batches; raises :class:`SourceError` when the folder
#: cannot be listed. A child that cannot be described is given as its SourceError (collected).
ScanFolder = Callable[[str], AsyncIterator[Sequence[FileEntry | SourceError]]]


class _Budget:
    """Names seen so far against the counting budget, shared by the folders scanned side by side."""

    def __init__(self, limit: int) -> None:
        self.left = max(1, limit) * COUNT_FACTOR
        self.seen = 0

    @property
    def spent(self) -> bool:
        return self.seen >= self.left


async def walk(folder: str, scan: ScanFolder, *, limit: int, depth: int = 0,
               glob: str | None = None, folders_at_once: int = 1) -> Listing:
    """List ``folder`` through ``scan`` (see the module docstring); entries sorted by path."""
    capped = CappedEntries(limit)
    errors: list[str] = []
    budget = _Budget(limit)

    async def one(current: str, level: int, found: list[str]) -> None:
        batches = scan(current)
        try:
            async for batch in batches:
                for entry in batch:
                    budget.seen += 1
                    if isinstance(entry, SourceError):
                        errors.append(str(entry))
                        continue
                    if entry.kind == "dir" and level < depth:
                        found.append(entry.path)
                    if not glob or entry.kind == "dir" or fnmatch.fnmatch(entry.name, glob):
                        capped.add(entry)
                    if budget.spent:
                        return
        except SourceError as err:
            if current == folder:
                raise
            errors.append(str(err))
        finally:
            await _close(batches)

    level_dirs, level = [folder], 0
    while level_dirs and not budget.spent:
        found: list[str] = []
        step = max(1, folders_at_once)
        for start in range(0, len(level_dirs), step):
            if budget.spent:
                break
            await asyncio.gather(*(one(d, level, found) for d in level_dirs[start:start + step]))
        level_dirs, level = sorted(found), level + 1
    errors.sort()  # folders listed side by side finish in any order: that order means nothing
    return capped.listing(folder, errors, counting_stopped=budget.spent)


async def _close(batches: AsyncIterator[Sequence[FileEntry | SourceError]]) -> None:
    """Stop a scan the walk no longer needs (budget spent), so its handle is released."""
    aclose = getattr(batches, "aclose", None)
    if aclose is not None:
        await aclose()
