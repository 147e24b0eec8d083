"""Layer 7 — the auth probe: one POST with an EMPTY body, which writes nothing.

Why an empty POST: the inlet only takes POST, and judges the caller (token, organisation,
allow-list) before the body; an empty body is not a message, so the best it can earn is a 400
refusal of the body. A 400 therefore proves the request got past authentication; 401 and 403 say
it did not. (A GET is not part of the inlet's documented interface, so what it answers proves
nothing.) Nothing is retried except a 503, at most twice.
"""

from __future__ import annotations

from ....checks.base import Check, Context, Outcome
from ..settings import InletSettings
from ..state import InletState


class AuthProbeCheck(Check[InletSettings, InletState]):
    """Does the inlet let this caller in? (An empty POST: nothing can be written.)"""

    id = "stream.auth"
    title = "Authentication (empty request)"
    needs = ("stream.token", "tls.handshake")
    timeout_steps = 4.0  # the request, and the bounded 503 retries

    async def run(self, ctx: Context[InletSettings, InletState]) -> Outcome:
        # The HTTP client is loaded only when a request is made.
        from ..answers import probe_finding
        from ..client import post_with_retry

        s, st = ctx.settings, ctx.state
        assert st.peer is not None
        answer = await post_with_retry(s, st.peer, b"", ctx.step_timeout, self.timeout(ctx) - 0.5)
        st.probe = answer
        ctx.transcript.add("http", f"POST {s.request_path} (empty body) → {answer.status or answer.error}")
        finding = probe_finding(answer, s)
        facts = {"request": "POST with an empty body (writes nothing)", "status": answer.status,
                 "token_sent": s.token is not None}
        return Outcome.of([finding] if finding else [], **facts)
