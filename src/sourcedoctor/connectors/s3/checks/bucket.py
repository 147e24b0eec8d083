"""Layer 6 — bucket: GetBucketLocation, as the platform asks it (it needs s3:GetBucketLocation).

NoSuchBucket, a bucket in another region (a redirect naming it, or a location that differs from
the signing region on Amazon S3), and AccessDenied with the exact policy to attach.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Severity
from ..answers import bucket_arn, finding_for
from ..settings import S3Settings
from ..state import S3State


def location_region(constraint: Any) -> str:
    """GetBucketLocation's answer as a region name (empty means us-east-1, "EU" eu-west-1)."""
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


class BucketCheck(Check[S3Settings, S3State]):
    """Find the bucket and its region."""

    id = "s3.bucket"
    title = "Bucket"
    needs = ("s3.signature",)

    async def run(self, ctx: Context[S3Settings, S3State]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.client is not None
        answer = await st.client.call("get_bucket_location", Bucket=s.bucket)
        facts: dict[str, Any] = {"bucket": s.bucket, "request": "GetBucketLocation"}
        if not answer.ok:
            finding = finding_for(answer, s, action="s3:GetBucketLocation",
                                  resource=bucket_arn(s.bucket), what=f"GetBucketLocation {s.bucket}")
            if finding.code == "s3.access_denied" and not ctx.target.cloud:
                # Only the cloud platform asks for the location; a plain reader goes on to list.
                finding = replace(finding, severity=Severity.WARN)
            return Outcome.of([finding], **facts)
        region = location_region(answer.data.get("LocationConstraint"))
        st.bucket_region = region
        facts["region"] = region
        if s.provider == "aws" and region != s.signing_region:
            return Outcome.of([make_finding(
                "s3.wrong_region", f"bucket {s.bucket} is in {region}, but requests are signed for "
                f"{s.signing_region} (serviceUrl {s.endpoint})",
                evidence={"bucket_region": region, "configured_region": s.signing_region,
                          "endpoint": s.endpoint}, region=region)], **facts)
        return Outcome.of(**facts)
