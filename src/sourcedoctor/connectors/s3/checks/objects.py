"""Layer 8 — objects: one ranged GET per sampled object, as much as the sample layer's first read.

Never a whole object: ``Range: bytes=0-N`` (a server that ignores it is cut off after N bytes).
AccessDenied names s3:GetObject with the object ARN; a KMS refusal names kms:Decrypt and the key;
an archived object (Glacier, Deep Archive) is named with its storage class.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.listing import one_per_cause, read_head
from ....model import Finding
from ..answers import finding_for
from ..settings import S3Settings
from ..source import S3SourceError
from ..state import S3State


class ObjectsCheck(Check[S3Settings, S3State]):
    """Read the head of each sampled object (all at once)."""

    id = "s3.objects"
    title = "Objects readable"
    needs = ("s3.listing",)
    timeout_steps = 2.0

    async def run(self, ctx: Context[S3Settings, S3State]) -> Outcome:
        s, st = ctx.settings, ctx.state
        chosen = st.files[: s.sample_files]
        results = await asyncio.gather(*(read_head(st, e, s.head_bytes, S3SourceError) for e in chosen))
        findings: list[Finding] = []
        failed: dict[str, str] = {}
        for entry, result in zip(chosen, results, strict=True):
            if isinstance(result, bytes):
                st.heads[entry.path] = result
                continue
            failed[entry.path] = result.answer.code
            kms_key = (await self._kms_key(ctx, entry.path)
                       if result.answer.code == "AccessDenied" else None)
            findings.append(finding_for(result.answer, s, action="s3:GetObject",
                                        resource=f"arn:aws:s3:::{s.bucket}/{entry.path}",
                                        what=f"GetObject {entry.path}", kms_key=kms_key))
        facts: dict[str, Any] = {"opened": [e.path for e in chosen],
                                 "bytes_read": {p: len(h) for p, h in st.heads.items()},
                                 "storage_classes": {e.path: st.storage_classes.get(e.path, "?")
                                                     for e in chosen}}
        if failed:
            facts["failed"] = failed
        return Outcome.of(one_per_cause(findings), **facts)  # the facts list every object

    @staticmethod
    async def _kms_key(ctx: Context[S3Settings, S3State], key: str) -> str | None:
        """The KMS key an object is encrypted with, when HeadObject (which needs no kms:Decrypt)
        says it is SSE-KMS: then a refused GET is the key's permission, not the object's."""
        assert ctx.state.client is not None
        head = await ctx.state.client.call("head_object", Bucket=ctx.settings.bucket, Key=key)
        if head.ok and head.data.get("ServerSideEncryption") == "aws:kms":
            return str(head.data.get("SSEKMSKeyId") or "the object's KMS key")
        return None
