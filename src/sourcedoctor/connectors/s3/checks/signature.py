"""Layer 5 — signature and clock: one signed request that needs no bucket (ListBuckets).

The service checks the key, the signature and the request time before any permission, so any
answer but those refusals proves the keys and this machine's clock are right — AccessDenied
included (the platform does not need to list all buckets). The clock offset is measured from the
service's Date header either way.
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding, Severity
from ...common import BuildsClient
from ..answers import SIGNATURE_CODES, finding_for, is_s3_answer
from ..client import S3Client
from ..settings import S3Settings
from ..state import S3State

#: AWS refuses requests more than 15 minutes off; warn well before a drifting clock gets there.
SKEW_WARN_S = 300.0


class SignatureCheck(BuildsClient, Check[S3Settings, S3State]):
    """Sign one request with the keys; name a refused key, signature, token or clock."""

    id = "s3.signature"
    title = "Signature and clock"
    needs = ("s3.credentials", "tls.handshake")
    timeout_steps = 1.0  # one request, after building the client (BuildsClient)

    async def run(self, ctx: Context[S3Settings, S3State]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.credentials is not None
        client = await S3Client.create(s, st.credentials, ctx.step_timeout)
        st.client = client
        ctx.resources.callback(client.close)
        answer = await client.call("list_buckets")
        st.clock_offset_s = answer.clock_offset_s
        facts: dict[str, Any] = {"request": "ListBuckets", "clock_offset_s": answer.clock_offset_s,
                                 "answer": "ok" if answer.ok else answer.code}
        ctx.transcript.add("s3", f"ListBuckets → {facts['answer']} (clock offset "
                                 f"{answer.clock_offset_s} s)")
        # A refused key, signature, token or clock — or no S3 answer at all (a web console URL,
        # a proxy's error page): nothing later can work.
        if not answer.ok and (answer.code in SIGNATURE_CODES or not is_s3_answer(answer)):
            return Outcome.of([finding_for(answer, s, action="s3:ListAllMyBuckets",
                                           resource="arn:aws:s3:::*", what="ListBuckets")], **facts)
        findings: list[Finding] = []
        offset = answer.clock_offset_s
        if offset is not None and abs(offset) >= SKEW_WARN_S:
            findings.append(make_finding(
                "s3.clock_skew", f"this machine's clock is {abs(offset):g} s "
                f"{'behind' if offset > 0 else 'ahead of'} the service's (accepted so far; AWS "
                "refuses requests 15 minutes off)", severity=Severity.WARN,
                evidence={"clock_offset_s": offset, "date": answer.headers.get("date")},
                endpoint=s.endpoint))
        if answer.ok:
            facts["buckets_visible"] = len(answer.data.get("Buckets", []))
        return Outcome.of(findings, **facts)
