"""Layer 3 — addressing: virtual-hosted (``BUCKET.ENDPOINT``) or path-style (``ENDPOINT/BUCKET``).

Amazon S3 prefers virtual-hosted requests; most S3-compatible servers only answer path-style
unless a wildcard DNS record exists. When virtual-hosted addressing is asked for on a custom
endpoint, this layer checks that the bucket's host name resolves, and says so precisely instead
of the DNS layer's bare NXDOMAIN.
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.dns import resolve_with_dnspython, resolve_with_system
from ....codes import make_finding
from ....config.urls import parse_resolver
from ..settings import S3Settings
from ..state import S3State


async def _resolves(name: str, port: int, resolver: str | None, timeout: float) -> bool:
    if resolver is None:
        try:
            return bool(await resolve_with_system(name, port))
        except OSError:
            return False
    res, _ = await resolve_with_dnspython(name, parse_resolver(resolver), timeout)
    return bool(res.addresses)


class AddressingCheck(Check[S3Settings, S3State]):
    """Say which host requests go to and why; on a custom endpoint, check the bucket's host."""

    id = "s3.addressing"
    title = "Addressing style"
    needs = ("config.settings",)
    timeout_steps = 2.0

    async def run(self, ctx: Context[S3Settings, S3State]) -> Outcome:
        s = ctx.settings
        why = ("asked for" if s.addressing_style != "auto" else
               "Amazon S3 prefers it" if s.addressing == "virtual" else
               "the bucket name has dots" if s.provider == "aws" else
               "S3-compatible endpoints answer path-style")
        facts: dict[str, Any] = {"style": s.addressing, "why": why, "request_host": s.host,
                                 "example": (f"https://{s.host}/KEY" if s.addressing == "virtual"
                                             else f"{s.endpoint}/{s.bucket}/KEY")}
        if s.addressing != "virtual" or s.provider == "aws" or s.host == s.endpoint_host:
            return Outcome.of(**facts)
        if await _resolves(s.host, s.port, s.resolver, ctx.step_timeout):
            return Outcome.of(**facts)
        if not await _resolves(s.endpoint_host, s.port, s.resolver, ctx.step_timeout):
            return Outcome.of(**facts)  # the endpoint itself does not resolve: the DNS layer says so
        return Outcome.of([make_finding(
            "s3.virtual_host_unresolved",
            f"{s.host} does not resolve, though {s.endpoint_host} does: the endpoint has no "
            "wildcard record for virtual-hosted buckets",
            evidence={**facts, "endpoint_host": s.endpoint_host},
            endpoint_host=s.endpoint_host)], **facts)
