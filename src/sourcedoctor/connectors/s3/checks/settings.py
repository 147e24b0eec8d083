"""Layer 1 — settings: bucket naming rules, a bucket name holding folders, an endpoint holding the
bucket — judged before any network use."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.listing import folder_finding
from ....codes import make_finding
from ....model import Finding, Severity
from ..settings import S3Settings
from ..state import S3State

_S3_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_GCS_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*[a-z0-9]$")


def bucket_name_problems(name: str, *, provider: str, strict: bool) -> list[str]:
    """Why ``name`` breaks the bucket naming rules (empty: it does not). ``strict`` adds the
    platform's rule: lowercase letters, digits and hyphens only (no dots)."""
    why: list[str] = []
    if not 3 <= len(name) <= 63:
        why.append(f"is {len(name)} characters long (3-63 allowed)")
    pattern = _GCS_NAME if provider == "gcs" else _S3_NAME
    if not pattern.match(name):
        why.append("must be lowercase letters, digits, dots and hyphens, starting and ending with a "
                   "letter or digit")
    if ".." in name:
        why.append("must not contain two dots in a row")
    try:
        ipaddress.IPv4Address(name)
        why.append("must not look like an IP address")
    except ValueError:
        pass
    if name.startswith("xn--") or name.endswith("-s3alias"):
        why.append("uses a reserved prefix or suffix (xn--, -s3alias)")
    if strict and "." in name:
        why.append("contains dots, which the platform does not accept")
    return why


class S3SettingsCheck(Check[S3Settings, S3State]):
    """Cross-field rules the settings model cannot express field by field."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[S3Settings, S3State]) -> Outcome:
        s = ctx.settings
        findings: list[Finding] = []
        facts: dict[str, Any] = {"bucket": s.bucket, "folder": s.folder or "(bucket root)",
                                 "provider": s.provider, "endpoint": s.endpoint,
                                 "signing_region": s.signing_region, "addressing": s.addressing}
        if "/" in s.bucket.strip("/"):
            bucket, _, inner = s.bucket.strip("/").partition("/")
            folder = "/".join(p for p in (inner, s.folder.strip("/")) if p)
            findings.append(make_finding(
                "s3.bucket_name_has_folder",
                f"bucketName {s.bucket!r} includes folders: the bucket is {bucket!r}",
                evidence={"field": "bucket", "bucketName": bucket, "folderPath": folder},
                bucket=bucket, folder=folder))
        else:
            name = s.bucket.strip("/")
            why = bucket_name_problems(name, provider=s.provider, strict=ctx.target.naming_rules)
            if why:
                # Old us-east-1 buckets may still carry names outside today's rules: a reader
                # without the platform's rules can address them, so only a warning there.
                findings.append(make_finding(
                    "s3.bucket_name_invalid", f"bucket name {name!r} {'; '.join(why)}",
                    evidence={"field": "bucket", "bucket": name, "problems": why},
                    severity=None if ctx.target.naming_rules else Severity.WARN))
        endpoint_host = s.endpoint_host.lower()
        if s.endpoint_url and endpoint_host.startswith(s.bucket.lower() + "."):
            plain = s.endpoint_url.replace(s.bucket + ".", "", 1)
            findings.append(make_finding(
                "config.invalid", f"serviceUrl {s.endpoint_url} includes the bucket name; give the "
                f"service's endpoint ({plain})", evidence={"field": "endpoint_url"},
                field="endpoint_url"))
        unsafe_folder = folder_finding(s.folder)
        if unsafe_folder is not None:
            findings.append(unsafe_folder)
        return Outcome.of(findings, **facts)
