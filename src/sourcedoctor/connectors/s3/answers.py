"""S3 error answers → findings: one place that knows what each error code means and who acts.

Every layer sends its request and hands a failed :class:`~.client.S3Answer` here with the IAM
action it needed and the resource it named; the finding says which code, with the exact fix (for
AccessDenied: the minimal policy JSON naming the bucket ARN).
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from ...codes import make_finding
from ...model import Finding
from .client import S3Answer
from .settings import S3Settings

#: Error codes that mean the request's signature or keys were refused (the signature layer).
SIGNATURE_CODES = frozenset({
    "SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestTimeTooSkewed", "ExpiredToken",
    "TokenRefreshRequired", "InvalidToken",
})
#: Codes that name the bucket's region (botocore would have followed them; we report them).
REGION_CODES = frozenset({"PermanentRedirect", "AuthorizationHeaderMalformed", "301",
                          "IllegalLocationConstraintException"})
_KMS_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-fA-F-]+")
GCS_IAM_ADMIN = "the Google Cloud project's IAM administrator"


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def object_arn(bucket: str, prefix: str) -> str:
    return f"arn:aws:s3:::{bucket}/{prefix}*"


def minimal_policy(bucket: str, prefix: str = "") -> str:
    """The least the platform needs: explore the bucket, find its region, read the objects."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
             "Resource": bucket_arn(bucket)},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": object_arn(bucket, prefix)},
        ],
    }
    return json.dumps(policy, indent=2)


def region_of(answer: S3Answer) -> str | None:
    """The bucket's region as the redirect or error names it, or None."""
    named = answer.headers.get("x-amz-bucket-region") or answer.error.get("Region")
    return str(named) if named else None


def is_s3_answer(answer: S3Answer) -> bool:
    """Did an S3 service answer? (An error document with a code, not a bare status from a web
    server or proxy, and not a connection failure.) Bodiless HEAD answers are judged by callers."""
    return answer.ok or (answer.code != "connection" and not answer.code.isdigit())


def is_kms_denial(answer: S3Answer) -> bool:
    return answer.code.startswith("KMS.") or (
        answer.code == "AccessDenied" and "kms:" in answer.message.lower())


def finding_for(answer: S3Answer, settings: S3Settings, *, action: str, resource: str,
                what: str, kms_key: str | None = None) -> Finding:
    """The finding for a failed answer to ``what`` (e.g. "listing in/"), which needed ``action``
    (an IAM action such as ``s3:ListBucket``) on ``resource`` (an ARN). ``kms_key``: the object
    is SSE-KMS encrypted with that key (from HeadObject), so a bare AccessDenied is the key's."""
    s = settings
    code = answer.code
    evidence: dict[str, Any] = {"request": what, **answer.evidence()}
    if code in ("ExpiredToken", "TokenRefreshRequired"):
        return make_finding("s3.token_expired", f"{what}: the session token has expired ({code})",
                            evidence=evidence)
    if code == "InvalidToken":
        return make_finding("s3.token_invalid", f"{what}: the session token was refused ({code})",
                            evidence=evidence)
    if code == "RequestTimeTooSkewed":
        offset = answer.clock_offset_s
        if offset is not None:
            evidence["clock_offset_s"] = offset
        told = f"this machine's clock is {abs(offset):g} s {'behind' if offset > 0 else 'ahead of'} " \
               "the service's" if offset is not None else "this machine's clock is off"
        return make_finding("s3.clock_skew", f"{what}: refused as RequestTimeTooSkewed: {told}",
                            evidence=evidence, endpoint=s.endpoint)
    if code == "InvalidAccessKeyId":
        return make_finding("s3.invalid_access_key",
                            f"{what}: the service does not know the access key ID", evidence=evidence)
    if code == "SignatureDoesNotMatch":
        return make_finding("s3.signature_mismatch",
                            f"{what}: the signature does not match (wrong secret, or a proxy rewrites "
                            "the request)", evidence=evidence, endpoint=s.endpoint)
    region = region_of(answer)
    if code in REGION_CODES or (answer.status == 301 and region):
        evidence["configured_region"] = s.signing_region
        if region:
            evidence["bucket_region"] = region
        where = f"in {region}" if region else "in another region"
        return make_finding("s3.wrong_region",
                            f"{what}: bucket {s.bucket} is {where}, not {s.signing_region}",
                            evidence=evidence, region=region or "REGION")
    if code == "NoSuchBucket":
        return make_finding("s3.no_such_bucket", f"{what}: bucket {s.bucket} does not exist",
                            evidence=evidence, endpoint=s.endpoint)
    if is_kms_denial(answer) or (kms_key and code == "AccessDenied"):
        key = _KMS_ARN.search(answer.message)
        kms_key = key.group(0) if key else kms_key or "the object's KMS key"
        evidence["needed"] = "kms:Decrypt"
        evidence["kms_key"] = kms_key
        return make_finding("s3.kms_denied", f"{what}: kms:Decrypt on {kms_key} is not allowed",
                            evidence=evidence, kms_key=kms_key)
    if code == "InvalidObjectState":
        storage_class = answer.error.get("StorageClass", "archive tier")
        evidence["storage_class"] = storage_class
        return make_finding("s3.object_archived", f"{what}: the object is archived ({storage_class})",
                            evidence=evidence, bucket=s.bucket)
    if code in ("AccessDenied", "AllAccessDisabled"):
        return access_denied(answer, settings, action=action, resource=resource, what=what)
    return make_finding("s3.request_failed",
                        f"{what}: {code or 'no answer'} {answer.message}".strip(),
                        evidence=evidence, bucket=s.bucket, endpoint=s.endpoint)


def access_denied(answer: S3Answer, settings: S3Settings, *, action: str, resource: str,
                  what: str) -> Finding:
    """``s3.access_denied`` naming the action and ARN; the fix is the minimal policy (AWS) or the
    role to grant (GCS, whose HMAC keys act as a service account)."""
    s = settings
    evidence: dict[str, Any] = {"request": what, "action": action, "resource": resource,
                                **answer.evidence()}
    policy = minimal_policy(s.bucket, s.prefix)
    summary = f"{what}: {action} on {resource} is denied"
    if s.provider == "gcs":
        finding = make_finding("s3.access_denied", summary, evidence=evidence, fix=[
            f"Grant the HMAC key's service account roles/storage.objectViewer on the bucket: "
            f"gcloud storage buckets add-iam-policy-binding gs://{s.bucket} "
            "--member=serviceAccount:SERVICE_ACCOUNT --role=roles/storage.objectViewer",
            "(the platform lists, locates and reads: storage.objects.list, storage.objects.get, "
            "storage.buckets.get)"])
        return dataclasses.replace(finding, audience=GCS_IAM_ADMIN)
    evidence["policy"] = json.loads(policy)
    return make_finding("s3.access_denied", summary, evidence=evidence, fix=[
        f"Allow {action} on {resource} (and the platform's other actions) for the user of these "
        "keys: attach this inline policy:",
        policy,
        "e.g. aws iam put-user-policy --user-name USER --policy-name sourcedoctor-read "
        "--policy-document file://policy.json",
        "Also check the bucket policy for an explicit Deny."])
