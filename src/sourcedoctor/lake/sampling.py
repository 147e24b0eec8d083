"""The preview's sampler, as the lake runs it: the same head bytes, the same sniffer, so the
dataset gets exactly the dialect and column types ``sourcedoctor preview`` shows."""

from __future__ import annotations

import asyncio
import posixpath
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..preview.model import SampleResult
    from ..sources.base import FileSource

#: The preview's defaults (``sourcedoctor preview``): head bytes read and rows shown per file.
DEFAULT_HEAD = 1 << 20
PREVIEW_ROWS = 100


@dataclass(frozen=True)
class Sampling:
    """How files are sampled before ingest: the target whose rules judge them, the head bytes
    read (the preview's ``--head-bytes``) and the time allowed per file."""

    target: str = "generic"
    head_bytes: int = DEFAULT_HEAD
    timeout: float = 30.0


async def sample_path(source: FileSource, path: str, sampling: Sampling) -> SampleResult:
    """Sample one file of ``source`` exactly as the preview does (never raises for data or
    source problems: they are findings in the result)."""
    from ..preview import sample_file
    from ..sources.base import FileEntry
    from ..targets import get_target

    # sample_file stats the path itself; the entry only names it.
    entry = FileEntry(path=path, name=posixpath.basename(path.rstrip("/")) or path, size=None,
                      mtime=None, kind="file")
    return await sample_file(source, entry, target=get_target(sampling.target),
                             head_bytes=sampling.head_bytes, rows=PREVIEW_ROWS,
                             timeout=sampling.timeout)


def sample_local(path: str, sampling: Sampling | None = None) -> SampleResult:
    """Sample a local file from synchronous code, whether or not this thread runs an event loop
    (the TUI calls the lake from inside one)."""
    from ..sources.local import LocalSource

    coro_args = (LocalSource(None), path, sampling or Sampling())
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(sample_path(*coro_args))
    with ThreadPoolExecutor(1, thread_name_prefix="sd-sample") as pool:
        return pool.submit(lambda: asyncio.run(sample_path(*coro_args))).result()
