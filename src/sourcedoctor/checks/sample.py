"""Layers 11 and 12 — sample and format: hand the first bytes to the preview layer and report.

The sample layer says whether there is data at all (empty, unknown format, unreadable compression);
the format layer says whether the target can read it (encoding, JSON lines, CSV shape, schema).

Shared: typed on :class:`SampleSettings` and :class:`SampleState` (an open ``FileSource``, the
files a connector's files layer chose and the heads it already read), not on one connector. A
connector subclasses :class:`SampleCheck` naming its files layer in ``needs``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from .. import preview
from ..model import Finding
from ..preview.consistency import per_file_severity
from ..preview.model import SampleResult
from ..sources.base import FileEntry, FileSource
from ..sources.prefetched import PrefetchedSource
from .base import Check, Context, Outcome

#: Codes that mean "there is no readable data"; everything else is about the format.
SAMPLE_CODES = frozenset({
    "data.empty_file", "data.format_unknown", "data.compression_unsupported",
    "file.permission_denied", "file.unreadable",
})


class SampleSettings(Protocol):
    """What the sample layer reads from a connector's settings."""

    @property
    def head_bytes(self) -> int: ...


class SampleState(Protocol):
    """What the sample and format layers read (the files layer's work) and write (``samples``)."""

    @property
    def source(self) -> FileSource | None: ...
    @property
    def files(self) -> list[FileEntry]: ...
    @property
    def heads(self) -> dict[str, bytes]: ...
    @property
    def head_asked(self) -> dict[str, int]: ...
    @property
    def samples(self) -> list[SampleResult]: ...


class SampleCheck(Check[SampleSettings, SampleState]):
    """Sample each file the files layer could open, through the preview layer.

    A connector subclasses it and sets ``needs`` to its files layer (the one that fills
    ``files``, ``heads`` and ``source``), e.g. ``("sftp.files",)``.
    """

    id = "data.sample"
    title = "Data sample"
    timeout_steps = 2.0

    async def run(self, ctx: Context[SampleSettings, SampleState]) -> Outcome:
        st = ctx.state
        assert st.source is not None  # the files layer this check needs opened it
        # The files layer already read each head (all at once); only what it did not read (a
        # compressed file's further steps, a Parquet footer) costs a round trip here.
        source = PrefetchedSource(st.source, st.heads, {e.path: e for e in st.files},
                                  asked=st.head_asked)
        # The files layer already reported the files it could not read. The sniffing runs in
        # worker threads (DuckDB releases the GIL), so the files are sampled side by side.
        sampled = [e for e in st.files if e.path in st.heads]
        st.samples.extend(await asyncio.gather(*(preview.sample_file(
            source, entry, target=ctx.target, head_bytes=ctx.settings.head_bytes,
            timeout=ctx.step_timeout) for entry in sampled)))
        findings = per_file_severity(
            [f for r in st.samples for f in r.findings if f.code in SAMPLE_CODES], st.samples,
            ctx.target)
        facts: dict[str, Any] = {
            "files": [{"path": r.path, "format": r.format, "compression": r.compression,
                       "encoding": r.encoding, "bytes_read": r.bytes_read} for r in st.samples]}
        return Outcome.of(findings, **facts)


class FormatCheck(Check[Any, SampleState]):
    """Judge the sampled data against the target's format rules; check the files agree."""

    id = "data.format"
    title = "Data format"
    needs = ("data.sample",)

    async def run(self, ctx: Context[Any, SampleState]) -> Outcome:
        samples = ctx.state.samples
        findings: list[Finding] = per_file_severity(
            [f for r in samples for f in r.findings if f.code not in SAMPLE_CODES], samples,
            ctx.target)
        findings += preview.folder_consistency(samples, ctx.target)
        facts: dict[str, Any] = {
            "files": [{"path": r.path, "format": r.format, "columns": [c.name for c in r.columns],
                       "rows_sampled": len(r.rows), "confidence": r.confidence} for r in samples]}
        return Outcome.of(findings, **facts)
