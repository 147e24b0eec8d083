"""Layer 8 — send ONE record, only with ``--send`` (the default run writes nothing and says so).

The first record of the file that passed local validation is posted alone; the answer is decoded
(200/207 with its xactionId, or the platform's refusal). A 503 is retried at most twice within the
check's budget; nothing else is retried, so at most one record is ever written.
"""

from __future__ import annotations

from ....checks.base import Check, Context, Outcome
from ..settings import InletSettings
from ..state import InletState


class SendCheck(Check[InletSettings, InletState]):
    """Post one record (``--send``) and decode the inlet's answer."""

    id = "stream.send"
    title = "Send one record"
    needs = ("stream.payload", "stream.auth")
    timeout_steps = 4.0

    async def run(self, ctx: Context[InletSettings, InletState]) -> Outcome:
        # The HTTP client is loaded only when a request is made.
        from ..answers import send_findings
        from ..client import post_with_retry

        s, st = ctx.settings, ctx.state
        if not s.send:
            return Outcome.not_applicable("dry run: nothing was sent to the inlet (add --send to "
                                          "send one record)", sent=False)
        assert st.peer is not None and st.records is not None and st.records.records
        record = st.records.records[0]
        body = record.body()
        answer = await post_with_retry(s, st.peer, body, ctx.step_timeout, self.timeout(ctx) - 0.5)
        st.sent = answer
        ctx.transcript.add("http", f"POST {s.request_path} (record of line {record.line}, "
                                   f"{len(body)} bytes) → {answer.status or answer.error}")
        findings, facts = send_findings(answer, s, len(body))
        return Outcome.of(findings, sent=True, line=record.line, bytes=len(body), **facts)
