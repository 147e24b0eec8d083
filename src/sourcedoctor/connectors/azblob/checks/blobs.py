"""Layer 8 — blobs: one ranged GET per sampled blob, as much as the sample layer's first read.

Never a whole blob: ``x-ms-range: bytes=0-N``. A refused read names the SAS letter ``r`` (or the
role Storage Blob Data Reader).
"""

from __future__ import annotations

import asyncio
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.listing import one_per_cause, read_head
from ....model import Finding
from ..answers import finding_for
from ..settings import AzblobSettings
from ..source import AzblobSourceError
from ..state import AzblobState


class BlobsCheck(Check[AzblobSettings, AzblobState]):
    """Read the head of each sampled blob (all at once)."""

    id = "blob.blobs"
    title = "Blobs readable"
    needs = ("blob.listing",)
    timeout_steps = 2.0

    async def run(self, ctx: Context[AzblobSettings, AzblobState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        chosen = st.files[: s.sample_files]
        results = await asyncio.gather(*(read_head(st, e, s.head_bytes, AzblobSourceError) for e in chosen))
        findings: list[Finding] = []
        failed: dict[str, str] = {}
        for entry, result in zip(chosen, results, strict=True):
            if isinstance(result, bytes):
                st.heads[entry.path] = result
                continue
            failed[entry.path] = result.failure.code
            findings.append(finding_for(result.failure, s, what=f"Get Blob {entry.path} (ranged)",
                                        letter="r"))
        facts: dict[str, Any] = {"opened": [e.path for e in chosen],
                                 "bytes_read": {p: len(h) for p, h in st.heads.items()}}
        if failed:
            facts["failed"] = failed
        return Outcome.of(one_per_cause(findings), **facts)  # the facts list every blob
