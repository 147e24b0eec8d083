"""Ingest from a FileSource (SFTP…): copy only the bounded sample with range reads, then ingest.

Each file is first sampled by the preview's sampler (its head, plus a footer for Parquet), which
decides the plan or refuses the file; the head it read is reused, not fetched again. Then bytes are
fetched in chunks and cut at the row cap (whole records) or the byte cap, so a huge remote file
costs only what the batch needs. Compressed files, Parquet and JSON arrays cannot be cut by bytes;
they are copied whole, up to the byte cap. Archives (zip, tar, tar.gz) are read through ranged
reads as their members are consumed (:mod:`.archives`), never copied whole first.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import posixpath
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..codes import make_finding
from ..model import Finding
from ..sources.timed import TimedSource
from .archives import expand_archive
from .bounded import CappedFiles, PreparedFile, cutter_for, prepare_file
from .errors import LakeError
from .mapping import Mapping
from .plan import plan_from_sample
from .readable import DataRefused, archive_blocking, is_archive
from .sampling import Sampling, sample_path
from .source_file import open_source_file

if TYPE_CHECKING:
    from ..preview.model import SampleResult
    from ..sources.base import FileEntry, FileSource, Listing
    from .store import BatchResult, Lake, Progress

#: Most bytes copied from one remote file for one batch (override with ``max_bytes``).
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
_CHUNK = 256 * 1024


def _temp(suffix: str, workdir: str | None) -> str:
    fd, name = tempfile.mkstemp(prefix="sd-fetch-", suffix=suffix, dir=workdir)
    os.close(fd)
    return name


class _HeadKeeper:
    """A FileSource that remembers what was read at offset 0 of each file, so the head the
    preview sampled is the start of the copy instead of a second transfer."""

    def __init__(self, source: FileSource) -> None:
        self._source = source
        self.scheme = source.scheme
        self.heads: dict[str, bytes] = {}

    async def stat(self, path: str) -> FileEntry:
        return await self._source.stat(path)

    async def list(
        self, folder: str, *, limit: int = 10_000, depth: int = 0, glob: str | None = None
    ) -> Listing:
        return await self._source.list(folder, limit=limit, depth=depth, glob=glob)

    async def read(self, path: str, offset: int, length: int) -> bytes:
        data = await self._source.read(path, offset, length)
        if offset == 0:
            self.heads[path] = data
        return data


async def _fetch_one(
    source: FileSource,
    path: str,
    origin: str,
    taken: CappedFiles,
    max_bytes: int,
    workdir: str | None,
    sampling: Sampling,
) -> None:
    """Sample one remote file and add it to ``taken``: an archive adds each of its members."""
    keeper = _HeadKeeper(source)
    sample = await sample_path(keeper, path, sampling)
    head = keeper.heads.get(path, b"")
    if is_archive(sample):
        await _fetch_archive(source, path, origin, sample, head, taken, max_bytes, workdir,
                             sampling)
        return
    taken.add(await _fetch_file(source, path, origin, sample, head, taken.remaining, max_bytes,
                                workdir))


async def _fetch_archive(
    source: FileSource,
    path: str,
    origin: str,
    sample: SampleResult,
    head: bytes,
    taken: CappedFiles,
    max_bytes: int,
    workdir: str | None,
    sampling: Sampling,
) -> None:
    """Read the archive through ranged reads as its members are consumed (a tar from its start,
    a zip from its central directory at the end), never downloading it whole first."""
    found = archive_blocking(sample)
    if found:
        raise DataRefused(origin, found)
    size = sample.size
    if size is None:
        size = (await source.stat(path)).size or 0
    loop = asyncio.get_running_loop()
    fh = open_source_file(source, path, size, loop, timeout=sampling.timeout, label=origin,
                          head=head, max_bytes=max_bytes)
    with fh:
        await asyncio.to_thread(expand_archive, fh, sample, label=origin, taken=taken,
                                sampling=sampling, workdir=workdir)


async def _fetch_file(
    source: FileSource,
    path: str,
    origin: str,
    sample: SampleResult,
    head: bytes,
    limit: int | None,
    max_bytes: int,
    workdir: str | None,
) -> PreparedFile:
    suffix = posixpath.splitext(path)[1] or ".dat"
    head_path = _temp(suffix, workdir)
    try:
        with open(head_path, "wb") as fh:  # noqa: ASYNC230 - local temp file, bounded chunks
            fh.write(head)
        # Refuses (DataRefused) what the lake cannot read, with the preview's finding.
        plan = await asyncio.to_thread(plan_from_sample, sample, head_path, origin=origin)
        if plan.compression or plan.format in ("parquet", "json_array"):
            # Cannot be cut by bytes: copy it whole (bounded by max_bytes), then cut locally.
            offset = len(head)
            with open(head_path, "ab") as fh:  # noqa: ASYNC230 - local temp file, bounded chunks
                while True:
                    chunk = await source.read(path, offset, _CHUNK)
                    if not chunk:
                        break
                    offset += len(chunk)
                    if offset > max_bytes:
                        raise LakeError(
                            "file",
                            f"{origin} is larger than {max_bytes} bytes and "
                            f"{plan.compression or plan.format} cannot be sampled by "
                            "range; raise --max-bytes or sample a smaller file",
                        )
                    fh.write(chunk)
            prep = await asyncio.to_thread(prepare_file, plan, limit, workdir=workdir)
            if prep.temp:
                os.unlink(head_path)
            return PreparedFile(
                prep.plan,
                0,
                offset if prep.temp else prep.length,
                prep.records,
                prep.digest,
                prep.complete,
                True,
            )
        cutter = cutter_for(plan, limit, max_bytes)
        out_path = _temp(suffix, workdir)
        h = hashlib.sha256()
        offset = 0
        with open(out_path, "wb") as out:  # noqa: ASYNC230 - local temp file, bounded chunks
            chunk = head or await source.read(path, 0, _CHUNK)
            while chunk:
                offset += len(chunk)
                keep = cutter.feed(chunk)
                h.update(keep)
                out.write(keep)
                if cutter.done:
                    break
                chunk = await source.read(path, offset, _CHUNK)
            if not cutter.done:
                tail = cutter.finish()
                h.update(tail)
                out.write(tail)
        os.unlink(head_path)
        return PreparedFile(
            plan.with_path(out_path, compression=None),
            0,
            cutter.kept,
            cutter.records,
            h.hexdigest(),
            not cutter.truncated,
            True,
        )
    except BaseException:
        if os.path.exists(head_path):  # noqa: ASYNC240 - cleanup of our temp file
            os.unlink(head_path)
        raise


async def fetch_sample(
    source: FileSource,
    paths: Sequence[str],
    *,
    rows: int | None,
    origin_prefix: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
    workdir: str | None = None,
    sampling: Sampling | None = None,
    folder: str | None = None,
) -> list[PreparedFile]:
    """Copy the bounded sample of ``paths`` (in order; ``rows`` records across them) locally.

    Each file is sampled first as the preview does (``sampling``); one the lake cannot read
    raises :class:`~.readable.DataRefused` and nothing is kept. ``folder``: the folder the paths
    were listed in (see :func:`file_origin`)."""
    sampling = sampling or Sampling()
    # Every request gets the step timeout: a server that stops answering mid-copy ends the ingest.
    timed = TimedSource(source, sampling.timeout)
    with CappedFiles(rows if rows else None) as taken:
        for path in paths:
            if taken.full:
                break
            origin = origin_prefix + relative_path(path, folder)
            try:
                await _fetch_one(timed, path, origin, taken, max_bytes, workdir, sampling)
            except TimeoutError:
                raise DataRefused(origin, (_no_answer(origin, sampling.timeout),)) from None
    return taken.preps


def relative_path(path: str, folder: str | None) -> str:
    """``path`` (as the source's listing gives it) relative to ``folder``, the folder it was
    listed in: what follows the folder's URL in a file's URL.

    A listing names files from the source's root (``inbound/daily/a.csv`` in a bucket,
    ``/in/a.csv`` on an FTP server, ``/home/u/in/a.csv`` on SFTP), and the folder's URL already
    holds the folder: joining the two names the folder twice. Without ``folder`` (a local file,
    a caller that passes relative paths) the path is kept as it is."""
    if folder is None:
        return path
    base = folder.rstrip("/")
    if base and path.startswith(base + "/"):
        return path[len(base) + 1:]
    if not base and folder.startswith("/"):  # the root "/" of a server
        return path.lstrip("/")
    if not base:
        return path
    return path.lstrip("/")


def _no_answer(origin: str, timeout: float) -> Finding:
    return make_finding(
        "check.timeout", f"the server did not answer a read of {origin} within {timeout:g} s",
        evidence={"file": origin, "timeout_s": timeout})


async def ingest_from_source(
    lake: Lake,
    source: FileSource,
    paths: Sequence[str],
    dataset: str,
    *,
    rows: int | None = 10_000,
    mapping: Mapping | None = None,
    force: bool = False,
    progress: Progress | None = None,
    source_label: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    sampling: Sampling | None = None,
    folder: str | None = None,
) -> BatchResult:
    """Fetch the bounded sample from ``source`` and ingest it as one batch (DuckDB work runs in a
    thread, so an event loop — the TUI's — stays responsive). ``sampling``: the preview's target
    and head size used to plan each file. ``folder``: the folder ``source_label`` (its URL)
    names, as the source spells it — each file is then labelled by the folder URL and its path
    inside that folder (:func:`relative_path`)."""
    prefix = (source_label.rstrip("/") + "/") if source_label else f"{source.scheme}:"
    preps = await fetch_sample(
        source, paths, rows=rows, origin_prefix=prefix, max_bytes=max_bytes, sampling=sampling,
        folder=folder if source_label else None,
    )
    return await asyncio.to_thread(
        lake.ingest,
        preps,
        dataset,
        rows=rows,
        mapping=mapping,
        force=force,
        progress=progress,
        source_label=source_label or prefix,
    )
