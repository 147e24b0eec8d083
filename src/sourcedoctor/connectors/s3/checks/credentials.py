"""Layer 2 — credentials: which keys this run signs with, and where they came from.

Nothing is sent: the signature layer is where the service judges them. Secrets come from the
settings (an environment variable or stdin at the CLI), the AWS environment variables or a
shared-credentials profile — never from argv, and never from the machine's instance role.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ..credentials import CredentialsProblem, resolve_credentials
from ..settings import S3Settings
from ..state import S3State


class CredentialsCheck(Check[S3Settings, S3State]):
    """Find the keys (settings → environment → profile) and say what kind they are."""

    id = "s3.credentials"
    title = "Credentials"
    needs = ("config.settings",)

    async def run(self, ctx: Context[S3Settings, S3State]) -> Outcome:
        s = ctx.settings
        try:
            # Reading a profile imports botocore and reads files: off the event loop.
            creds = await asyncio.wait_for(asyncio.to_thread(resolve_credentials, s), ctx.step_timeout)
        except CredentialsProblem as problem:
            if problem.field == "aws_profile":
                return Outcome.of([make_finding(
                    "config.invalid", str(problem), evidence={"field": "aws_profile"},
                    field="aws_profile")])
            return Outcome.of([make_finding(
                "auth.no_credentials", f"no usable keys: {problem}",
                evidence={"missing": problem.missing, "tried": problem.tried},
                fix=["Give the access key: --access-key-id ID --secret-access-key-env VAR "
                     "(platform fields s3AccessKey and s3SecretKey; for GCS accessKeyId and "
                     "secretAccessKey: an HMAC key from the bucket's project).",
                     "Or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile "
                     "with --aws-profile."])])
        ctx.state.credentials = creds
        facts: dict[str, Any] = {"source": creds.source, "access_key_id": creds.shown_id,
                                 "key_kind": creds.kind,
                                 "session_token": "given" if creds.token else "none"}
        return Outcome.of(**facts)
