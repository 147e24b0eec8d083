"""moto's server as the real Kinesis peer: the S3 suite's MotoServer (tests/fixtures/moto.py) over
HTTPS with the test CA, seeded with streams and IAM users instead of a bucket.

``INITIAL_NO_AUTH_ACTION_COUNT`` is exactly the number of seeding requests (see ``KinesisMoto``):
afterwards every request is checked, so an unknown key, a wrong secret and a missing permission
are moto's own answers. (moto answers Kinesis's JSON API with an IAM-style XML error document
for those refusals; the client reads the code from it.)

==============  ==============================================================================
``clicks``      2 shards, 3 JSON records (``CLICKS``) on shard 0
``quiet``       1 shard, no records
``events``      1 shard, 6 JSON records then one plain-text record (``EVENTS``)
``reader``      the platform's actions (minimal policy) plus ListStreams
``describer``   kinesis:DescribeStream only (GetShardIterator is refused)
``nobody``      no policy at all
==============  ==============================================================================
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.moto import Keys, MotoServer
from tests.fixtures.tls import Certificates

CLICKS = [{"user": "u1", "page": "/home", "ms": 120}, {"user": "u2", "page": "/cart", "ms": 95},
          {"user": "u1", "page": "/pay", "ms": 310}]
#: moto 5.2 matches Kinesis requests only against ``"Resource": "*"`` (a stream ARN, even with
#: wildcards, never matches: verified), so the users' policies name actions on "*".
STREAM_ARN = "*"
POLICIES = {
    "reader": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
                                       "kinesis:ListShards", "kinesis:GetShardIterator",
                                       "kinesis:GetRecords"], "Resource": STREAM_ARN},
        {"Effect": "Allow", "Action": "kinesis:ListStreams", "Resource": "*"}]},
    "describer": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kinesis:DescribeStream", "Resource": STREAM_ARN}]},
}
#: 6 JSON objects and one plain-text record (the one that is not JSON comes last).
EVENTS = [json.dumps({"n": i, "kind": "view"}).encode() for i in range(6)] + [b"plain text line"]
USERS = ("reader", "describer", "nobody")
#: Seeding requests: 3 streams, the records, the users, their policies and access keys.
SEED = 3 + len(CLICKS) + len(EVENTS) + len(USERS) + len(POLICIES) + len(USERS)


class KinesisMoto(MotoServer):
    """MotoServer seeded for Kinesis (module doc)."""

    seed_count = SEED

    def _seed(self) -> None:
        kinesis, iam = self.client("kinesis"), self.client("iam")
        made = 0
        kinesis.create_stream(StreamName="clicks", ShardCount=2)
        kinesis.create_stream(StreamName="quiet", ShardCount=1)
        kinesis.create_stream(StreamName="events", ShardCount=1)
        made += 3
        for data in EVENTS:
            kinesis.put_record(StreamName="events", Data=data, PartitionKey="p")
            made += 1
        for record in CLICKS:  # explicit hash key 0: all on shard 0, in order
            kinesis.put_record(StreamName="clicks", Data=json.dumps(record).encode(),
                               PartitionKey=str(record["user"]), ExplicitHashKey="0")
            made += 1
        for user in USERS:
            iam.create_user(UserName=user)
            made += 1
        for user, doc in POLICIES.items():
            iam.put_user_policy(UserName=user, PolicyName="kinesis", PolicyDocument=json.dumps(doc))
            made += 1
        for user in USERS:
            key = iam.create_access_key(UserName=user)["AccessKey"]
            self.keys[user] = Keys(key["AccessKeyId"], key["SecretAccessKey"])
            made += 1
        assert made == SEED, (made, SEED)


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("kinesis-tls"))


@pytest.fixture(scope="session")
def moto(certs: Certificates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KinesisMoto]:
    with KinesisMoto(certs.server("good"), certs.ca_pem, tmp_path_factory.mktemp("moto-kinesis")) as server:
        yield server


@pytest.fixture(autouse=True)
def no_ambient_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keys come only from what a test gives: no AWS variables, files or instance metadata."""
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE",
                "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
