"""The Kinesis diagnosis against moto's server (HTTPS with the test CA, IAM-checked keys).

Every failing layer's code is moto's answer: a missing stream (with close names), a user
without GetShardIterator, a user without any policy, an unknown key, a wrong secret, an empty
stream. The healthy control passes with no warning and reads the records as rows.
"""

from __future__ import annotations

import json

from sourcedoctor.model import Status, Verdict
from sourcedoctor.sources.rows import RowSource
from tests.fixtures.tls import Certificates
from tests.kinesis.conftest import CLICKS, KinesisMoto
from tests.kinesis.helpers import moto_settings, root_finding, run_plan


async def test_healthy_stream_passes_and_samples_rows(moto: KinesisMoto, certs: Certificates) -> None:
    report, state = await run_plan(moto_settings(moto, certs))
    assert report.verdict is Verdict.PASS, report.codes
    assert not report.codes
    assert all(r.status is Status.PASS for r in report.checks)
    stream = report.result("kinesis.stream")
    assert stream is not None and stream.facts["status"] == "ACTIVE" and stream.facts["shards"] == 2
    records = report.result("kinesis.records")
    assert records is not None and records.facts["read"] == 3
    assert records.facts["value_kinds"] == {"json": 3}
    assert state.source is not None and isinstance(state.source, RowSource)
    sample = await state.source.sample("clicks", limit=10)
    names = [c.name for c in sample.columns]
    assert names == ["shard", "sequence", "timestamp", "partition_key", "user", "page", "ms"]
    rows = [dict(zip(names, r, strict=True)) for r in sample.rows]
    assert [r["page"] for r in rows] == [c["page"] for c in CLICKS]
    assert {c.name: c.platform_type for c in sample.columns}["ms"] == "integer"
    listing = await state.source.relations()
    assert {r.name for r in listing.relations} == {"clicks", "quiet", "events"}


async def test_missing_stream_names_close_matches(moto: KinesisMoto, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, stream="Clicks"))
    root = root_finding(report)
    assert root is not None and root.code == "kinesis.stream_not_found"
    assert root.evidence["close_matches"] == ["clicks"]
    assert "clicks" in root.fix[0] and "us-east-1" in root.fix[0]
    assert str(root.fix[1]).endswith(f"--region us-east-1 --endpoint-url {moto.endpoint}")


async def test_missing_get_shard_iterator_is_named_with_the_policy(
        moto: KinesisMoto, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, user="describer"))
    root = root_finding(report)
    assert root is not None and root.code == "kinesis.access_denied"
    assert root.evidence["action"] == "kinesis:GetShardIterator"
    assert root.evidence["resource"] == "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
    policy = json.loads(root.fix[1])
    assert "kinesis:GetShardIterator" in policy["Statement"][0]["Action"]
    assert report.result("kinesis.stream").status is Status.PASS  # type: ignore[union-attr]


async def test_user_without_policy_is_denied_describe_stream(moto: KinesisMoto, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, user="nobody"))
    root = root_finding(report)
    assert root is not None and root.code == "kinesis.access_denied"
    assert root.evidence["action"] == "kinesis:DescribeStream"


async def test_unknown_key_and_wrong_secret(moto: KinesisMoto, certs: Certificates) -> None:
    unknown, _ = await run_plan(moto_settings(moto, certs, access_key_id="AKIAUNKNOWN000000000"))
    assert unknown.root_cause is not None and unknown.root_cause.code == "kinesis.invalid_access_key"
    wrong, _ = await run_plan(moto_settings(moto, certs, secret_access_key="w" * 40))
    assert wrong.root_cause is not None and wrong.root_cause.code == "kinesis.signature_mismatch"


async def test_empty_stream_warns(moto: KinesisMoto, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, stream="quiet"))
    assert report.verdict is Verdict.WARN and report.codes == ["kinesis.stream_empty"]


async def test_no_keys_is_no_credentials_before_any_request(moto: KinesisMoto, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, access_key_id="", secret_access_key=None))
    assert report.root_cause is not None and report.root_cause.code == "auth.no_credentials"
    assert report.result("kinesis.stream").status is Status.SKIP  # type: ignore[union-attr]
