"""Layer 2 — credentials: which keys this run signs with, and where they came from.

The keys are found exactly as the S3 connector finds them (settings → environment →
shared-credentials profile, never the machine's instance role): its resolver reads the same four
fields (access_key_id, secret_access_key, session_token, aws_profile), which this connector's
settings carry under the same names. Nothing is sent here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ...s3.credentials import CredentialsProblem, resolve_credentials
from ..settings import KinesisSettings
from ..state import KinesisState


class KinesisCredentialsCheck(Check[KinesisSettings, KinesisState]):
    """Find the keys (settings → environment → profile) and say what kind they are."""

    id = "kinesis.credentials"
    title = "Credentials"
    needs = ("config.settings",)

    async def run(self, ctx: Context[KinesisSettings, KinesisState]) -> Outcome:
        s = ctx.settings
        try:
            creds = await asyncio.wait_for(asyncio.to_thread(resolve_credentials, s),
                                           ctx.step_timeout)
        except CredentialsProblem as problem:
            if problem.field == "aws_profile":
                return Outcome.of([make_finding(
                    "config.invalid", str(problem), evidence={"field": "aws_profile"},
                    field="aws_profile")])
            return Outcome.of([make_finding(
                "auth.no_credentials", f"no usable keys: {problem}",
                evidence={"missing": problem.missing, "tried": problem.tried},
                fix=["Give the access key: --access-key-id ID --secret-access-key-env VAR "
                     "(platform fields accessKeyId and secretKey).",
                     "Or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile "
                     "with --aws-profile."])])
        ctx.state.credentials = creds
        facts: dict[str, Any] = {"source": creds.source, "access_key_id": creds.shown_id,
                                 "key_kind": creds.kind,
                                 "session_token": "given" if creds.token else "none"}
        return Outcome.of(**facts)
