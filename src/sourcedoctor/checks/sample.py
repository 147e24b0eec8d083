"""Layers 11 and 12 — sample and format: hand the first bytes to the preview layer and report.

The sample layer says whether there is data at all (empty, unknown format, unreadable compression);
the format layer says whether the target can read it (encoding, JSON lines, CSV shape, schema).
"""

from __future__ import annotations

from typing import Any

from .. import preview
from ..config.sftp import SftpSettings
from ..connectors.sftp.state import SftpState
from ..model import Finding
from .base import Check, Context, Outcome

#: Codes that mean "there is no readable data"; everything else is about the format.
SAMPLE_CODES = frozenset({
    "data.empty_file", "data.format_unknown", "data.compression_unsupported",
    "file.permission_denied", "file.unreadable",
})


class SampleCheck(Check[SftpSettings, SftpState]):
    """Sample each file the files layer could open, through the preview layer."""

    id = "data.sample"
    title = "Data sample"
    needs = ("sftp.files",)
    timeout_steps = 2.0

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        st = ctx.state
        assert st.source is not None
        for entry in st.files:
            if entry.path not in st.heads:  # the files layer already reported it
                continue
            st.samples.append(await preview.sample_file(
                st.source, entry, target=ctx.target, head_bytes=ctx.settings.head_bytes,
                timeout=ctx.step_timeout))
        findings = [f for r in st.samples for f in r.findings if f.code in SAMPLE_CODES]
        facts: dict[str, Any] = {
            "files": [{"path": r.path, "format": r.format, "compression": r.compression,
                       "encoding": r.encoding, "bytes_read": r.bytes_read} for r in st.samples]}
        return Outcome.of(findings, **facts)


class FormatCheck(Check[SftpSettings, SftpState]):
    """Judge the sampled data against the target's format rules; check the files agree."""

    id = "data.format"
    title = "Data format"
    needs = ("data.sample",)

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        samples = ctx.state.samples
        findings: list[Finding] = [
            f for r in samples for f in r.findings if f.code not in SAMPLE_CODES]
        findings += preview.folder_consistency(samples)
        facts: dict[str, Any] = {
            "files": [{"path": r.path, "format": r.format, "columns": [c.name for c in r.columns],
                       "rows_sampled": len(r.rows), "confidence": r.confidence} for r in samples]}
        return Outcome.of(findings, **facts)
