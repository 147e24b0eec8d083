"""Layer 6 — container: the first page of the container's listing (one name), as the platform asks.

ContainerNotFound names the container and the account; a refused listing names the SAS letter
``l`` (or, for a service principal, the role Storage Blob Data Reader).
"""

from __future__ import annotations

from ....checks.base import Check, Context, Outcome
from ..answers import finding_for
from ..client import BlobFailure
from ..settings import AzblobSettings
from ..state import AzblobState


class ContainerCheck(Check[AzblobSettings, AzblobState]):
    """Find the container and prove it may be listed."""

    id = "blob.container"
    title = "Container"
    needs = ("blob.auth",)

    async def run(self, ctx: Context[AzblobSettings, AzblobState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.client is not None
        what = f"List Blobs {s.container_name} (first name)"
        try:
            async for _ in st.client.pages("", 1):
                break
        except BlobFailure as failure:
            ctx.transcript.add("blob", f"{what} → {failure.code}")
            return Outcome.of([finding_for(failure, s, what=what, letter="l")],
                              container=s.container_name, answer=failure.code)
        ctx.transcript.add("blob", f"{what} → ok")
        return Outcome.of(container=s.container_name, answer="ok")
