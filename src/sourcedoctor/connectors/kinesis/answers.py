"""Kinesis error answers → findings: one place that knows each error code and who acts.

AccessDenied names the IAM action the request needed and gives the minimal policy (the
platform describes the stream, lists shards, takes a shard iterator and reads records).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...codes import make_finding
from ...model import Finding
from .client import KinesisAnswer
from .settings import KinesisSettings

ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException"})
INVALID_KEY = frozenset({"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken",
                         "ExpiredTokenException", "InvalidAccessKeyId"})
BAD_SIGNATURE = frozenset({"InvalidSignatureException", "SignatureDoesNotMatch"})
#: Every action the platform's Kinesis source uses, and the one that lists streams.
STREAM_ACTIONS = ("kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:ListShards",
                  "kinesis:GetShardIterator", "kinesis:GetRecords")
_ACCOUNT = re.compile(r"arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")
_ACTION = re.compile(r"perform: (kinesis:[A-Za-z]+)")


def stream_arn(settings: KinesisSettings, account: str | None = None) -> str:
    return f"arn:aws:kinesis:{settings.region}:{account or '*'}:stream/{settings.stream or '*'}"


def minimal_policy(settings: KinesisSettings, account: str | None = None) -> str:
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(STREAM_ACTIONS), "Resource": stream_arn(settings, account)},
        {"Effect": "Allow", "Action": "kinesis:ListStreams", "Resource": "*"},
    ]}
    return json.dumps(policy, indent=2)


def finding_for(answer: KinesisAnswer, settings: KinesisSettings, *, action: str,
                what: str) -> Finding:
    """The finding for a failed answer to ``what``, a request that needed ``action``."""
    s = settings
    evidence: dict[str, Any] = {"request": what, **answer.evidence()}
    if answer.code in ACCESS_DENIED:
        named = _ACTION.search(answer.message)
        needed = named.group(1) if named else action
        account_match = _ACCOUNT.search(answer.message)
        account = account_match.group(1) if account_match else None
        resource = "*" if needed == "kinesis:ListStreams" else stream_arn(s, account)
        policy = minimal_policy(s, account)
        evidence.update(action=needed, resource=resource, policy=json.loads(policy))
        return make_finding(
            "kinesis.access_denied", f"{what}: {needed} on {resource} is denied",
            evidence=evidence, fix=[
                f"Allow {needed} on {resource} (and the platform's other actions) for the user "
                "of these keys: attach this inline policy:",
                policy,
                "e.g. aws iam put-user-policy --user-name USER --policy-name sourcedoctor-kinesis "
                "--policy-document file://policy.json"])
    if answer.code in INVALID_KEY:
        return make_finding("kinesis.invalid_access_key",
                            f"{what}: the service does not accept the access key ({answer.code})",
                            evidence=evidence, region=s.region)
    if answer.code in BAD_SIGNATURE:
        return make_finding("kinesis.signature_mismatch",
                            f"{what}: the signature does not match (wrong secret)",
                            evidence=evidence, endpoint=s.endpoint)
    return make_finding("kinesis.request_failed",
                        f"{what}: {answer.code or 'no answer'} {answer.message[:200]}".strip(),
                        evidence=evidence, endpoint=s.endpoint, stream=s.stream, region=s.region)
