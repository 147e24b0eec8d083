"""Layer 2 — the bearer token, read locally: present when the inlet needs one, not pasted with its
``Bearer`` prefix, not expired. A JWT's claims are decoded without verification (only the issuer
can verify it): an expired token is named before any request is made."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..settings import InletSettings
from ..state import InletState
from ..token import TOKEN_OPTION, has_bearer_prefix, read_token


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


class TokenCheck(Check[InletSettings, InletState]):
    """Is there a token when one is needed, and is it still valid by its own claims?"""

    id = "stream.token"
    title = "Access token"
    needs = ("config.settings",)

    async def run(self, ctx: Context[InletSettings, InletState]) -> Outcome:
        s = ctx.settings
        if s.token is None:
            if s.authenticated:
                return Outcome.of([make_finding(
                    "auth.no_credentials", "the inlet is authenticated but no access token was given",
                    evidence={"authenticationRequired": True},
                    fix=["Give the IMS access token: --token-env VAR or --token-stdin (in the app: "
                         "the Token field)."])])
            # Not a skip: the auth probe needs this layer, and learns the truth from the inlet.
            return Outcome.of(token="none", note="no token: the inlet is taken as unauthenticated "
                                                 "(--authenticated says otherwise)")
        token = s.token.get_secret_value()
        facts = read_token(token)
        out: dict[str, Any] = {"kind": facts.kind, "length": len(token.strip())}
        if facts.claims:
            out["claims"] = facts.claims
        findings: list[Finding] = []
        if has_bearer_prefix(token):
            findings.append(make_finding(
                "stream.token_prefixed", "the token starts with 'Bearer '; the header would read "
                "'Bearer Bearer …' (the prefix is stripped for this check)",
                evidence={"field": "token"}, token_option=TOKEN_OPTION))
        if facts.expires_at is not None:
            now = time.time()
            out["expires_at"] = _iso(facts.expires_at)
            out["expires_in_s"] = round(facts.expires_at - now)
            if facts.expires_at <= now:
                findings.append(make_finding(
                    "stream.token_expired", f"the access token expired at {_iso(facts.expires_at)} "
                    f"({round((now - facts.expires_at) / 60)} minutes ago); nothing was sent",
                    evidence={"expires_at": _iso(facts.expires_at),
                              **({"issued_at": _iso(facts.issued_at)} if facts.issued_at else {}),
                              "claims": facts.claims or {}},
                    expires_at=_iso(facts.expires_at), token_option=TOKEN_OPTION))
        elif facts.problem:
            out["note"] = facts.problem
        ctx.state.token_facts = out
        return Outcome.of(findings, **out)
