"""The shared listing walk (sources/walk.py) on plain data: a tree given as a dict, scanned in
batches the way a protocol delivers them. The real-server listings (SFTP's READDIR, S3's
ListObjectsV2, the local file system) are tested in tests/sftp, tests/s3 and tests/preview."""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import AsyncIterator, Sequence

import pytest

from sourcedoctor.sources.base import FileEntry, SourceError
from sourcedoctor.sources.walk import COUNT_FACTOR, walk


def f(path: str) -> FileEntry:
    return FileEntry(path=path, name=posixpath.basename(path), size=1, mtime=None, kind="file")


def d(path: str) -> FileEntry:
    return FileEntry(path=path, name=posixpath.basename(path), size=None, mtime=None, kind="dir")


class Tree:
    """Folders → children (or the SourceError listing that folder raises); records what was asked."""

    def __init__(self, folders: dict[str, list[FileEntry | SourceError] | SourceError], *,
                 batch: int = 3, delay: dict[str, float] | None = None) -> None:
        self.folders = folders
        self.batch = batch
        self.delay = delay or {}
        self.scanned: list[str] = []
        self.batches_given = 0
        self.closed: list[str] = []

    async def scan(self, folder: str) -> AsyncIterator[Sequence[FileEntry | SourceError]]:
        self.scanned.append(folder)
        try:
            await asyncio.sleep(self.delay.get(folder, 0))
            children = self.folders[folder]
            if isinstance(children, SourceError):
                raise children
            for start in range(0, len(children), self.batch):
                self.batches_given += 1
                yield children[start:start + self.batch]
        finally:
            self.closed.append(folder)


def paths(entries: Sequence[FileEntry]) -> list[str]:
    return [e.path for e in entries]


async def test_a_small_folder_is_listed_whole_in_path_order() -> None:
    tree = Tree({"in": [f("in/c.csv"), f("in/a.csv"), d("in/sub"), f("in/b.csv")]})
    listing = await walk("in", tree.scan, limit=10)
    assert paths(listing.entries) == ["in/a.csv", "in/b.csv", "in/c.csv", "in/sub"]
    assert (listing.truncated, listing.counting_stopped, listing.errors) == (0, False, ())
    assert tree.scanned == ["in"]  # depth 0: the subfolder is an entry, not listed


async def test_beyond_the_cap_entries_are_counted_not_kept() -> None:
    names = [f"in/{i:03d}.csv" for i in range(25)]
    tree = Tree({"in": [f(p) for p in reversed(names)]})
    listing = await walk("in", tree.scan, limit=5)
    assert paths(listing.entries) == names[:5]  # the first in path order, not in arrival order
    assert listing.truncated == 20
    assert listing.counting_stopped is False  # 25 names are within the counting budget (5 × 10)


async def test_counting_stops_at_the_budget_and_the_scan_is_closed_early() -> None:
    limit, batch = 3, 7
    budget = limit * COUNT_FACTOR  # 30 names
    tree = Tree({"in": [f(f"in/{i:04d}") for i in range(1000)]}, batch=batch)
    listing = await walk("in", tree.scan, limit=limit)
    assert listing.counting_stopped is True
    assert len(listing.entries) == limit
    assert listing.truncated == budget - limit  # a lower bound: "at least 27 more"
    # The walk stopped pulling batches once the budget was spent, and closed the scan then.
    assert tree.batches_given == -(-budget // batch)  # 5 batches of 7, not 143
    assert tree.closed == ["in"]


async def test_a_spent_budget_lists_no_deeper_level() -> None:
    tree = Tree({"in": [d("in/sub"), *(f(f"in/{i:03d}") for i in range(50))],
                 "in/sub": [f("in/sub/x")]})
    listing = await walk("in", tree.scan, limit=2, depth=3)
    assert listing.counting_stopped is True
    assert tree.scanned == ["in"]


async def test_glob_filters_file_names_and_keeps_folders() -> None:
    tree = Tree({"in": [f("in/a.csv"), f("in/b.txt"), d("in/sub"), f("in/c.CSV")],
                 "in/sub": [f("in/sub/d.csv"), f("in/sub/e.json")]})
    listing = await walk("in", tree.scan, limit=10, depth=1, glob="*.csv")
    assert paths(listing.entries) == ["in/a.csv", "in/sub", "in/sub/d.csv"]


@pytest.mark.parametrize(("depth", "expected", "scanned"), [
    (0, ["in/a", "in/s1", "in/s2"], ["in"]),
    (1, ["in/a", "in/s1", "in/s1/b", "in/s1/deep", "in/s2", "in/s2/c"], ["in", "in/s1", "in/s2"]),
    (2, ["in/a", "in/s1", "in/s1/b", "in/s1/deep", "in/s1/deep/z", "in/s2", "in/s2/c"],
     ["in", "in/s1", "in/s2", "in/s1/deep"]),
])
async def test_depth_lists_that_many_levels_breadth_first(
        depth: int, expected: list[str], scanned: list[str]) -> None:
    tree = Tree({"in": [d("in/s2"), f("in/a"), d("in/s1")],
                 "in/s1": [f("in/s1/b"), d("in/s1/deep")],
                 "in/s2": [f("in/s2/c")],
                 "in/s1/deep": [f("in/s1/deep/z")]})
    listing = await walk("in", tree.scan, limit=100, depth=depth)
    assert paths(listing.entries) == expected
    assert tree.scanned == scanned  # each level's folders in path order, one level after the other


async def test_an_error_on_the_top_folder_is_raised() -> None:
    tree = Tree({"in": SourceError("permission_denied", "in", "Permission denied")})
    with pytest.raises(SourceError) as caught:
        await walk("in", tree.scan, limit=10, depth=2)
    assert (caught.value.kind, caught.value.path) == ("permission_denied", "in")


async def test_errors_below_the_top_are_collected_sorted_and_the_walk_goes_on() -> None:
    tree = Tree(
        {"in": [d("in/a"), d("in/b"), d("in/c"), SourceError("io", "in/odd", "bad attributes")],
         "in/a": SourceError("permission_denied", "in/a"),
         "in/b": [f("in/b/ok.csv")],
         "in/c": SourceError("not_found", "in/c", "vanished")},
        # "in/c" answers last, so the errors arrive out of order (permission_denied before
        # not_found): the listing sorts them.
        delay={"in/c": 0.05}, batch=10)
    listing = await walk("in", tree.scan, limit=10, depth=1, folders_at_once=3)
    assert paths(listing.entries) == ["in/a", "in/b", "in/b/ok.csv", "in/c"]
    assert list(listing.errors) == sorted([
        "io: in/odd (bad attributes)", "not_found: in/c (vanished)", "permission_denied: in/a"])
    assert listing.errors[0] == "io: in/odd (bad attributes)"


async def test_folders_of_one_level_are_listed_a_few_at_a_time() -> None:
    subs = [f"in/s{i}" for i in range(5)]
    open_now, most = 0, 0

    async def scan(folder: str) -> AsyncIterator[Sequence[FileEntry | SourceError]]:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        try:
            await asyncio.sleep(0.01)
            yield [d(s) for s in subs] if folder == "in" else [f(folder + "/x")]
        finally:
            open_now -= 1

    listing = await walk("in", scan, limit=100, depth=1, folders_at_once=2)
    assert len(listing.files) == 5
    assert most == 2
