"""Topics Tansu cannot break: a partition without a leader, a topic the client may not Describe.

Tansu can neither take a partition's leader away nor refuse a topic, so these tests run the real
connector (librdkafka included) against a Kafka-protocol peer, tests/fixtures/kafka_wire.py's
:func:`metadata_broker`, which answers ApiVersions and Metadata v4–v8 as the protocol specifies and
as Kafka's KafkaApis.handleTopicMetadataRequest fills them in (each answer cites its source there).
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import time

import pytest

from sourcedoctor.connectors.kafka import client
from sourcedoctor.model import Status
from tests.fixtures.kafka_wire import (
    API_VERSIONS,
    METADATA,
    describe_denied_broker,
    leaderless_partition_broker,
)
from tests.kafka.helpers import kafka, root_finding, run_plan

#: Loopback peer: every answer comes in milliseconds.
FAST = 2.0


@pytest.mark.parametrize("versions", [(4, 8), (4, 4)], ids=["metadata-v8", "metadata-v4"])
async def test_partition_without_leader_is_topic_unavailable(versions: tuple[int, int]) -> None:
    with leaderless_partition_broker("orders", versions=versions) as peer:
        t0 = time.monotonic()
        report, _ = await run_plan(kafka(f"kafka://127.0.0.1:{peer.port}/orders"), timeout=FAST)
        elapsed = time.monotonic() - t0
    root = root_finding(report)
    assert root is not None and root.code == "kafka.topic_unavailable"
    assert root.evidence["partitions_without_leader"] == [1]  # partition 0 has leader 1
    assert root.evidence["leaders"] == {"0": 1, "1": -1}
    assert "without leader [1]" in root.summary
    # librdkafka spoke the highest version the peer advertised, and asked for all topics only:
    # never for one by name, never allowing auto-creation (the connector is read-only).
    assert {m.version for m in peer.metadata} == {versions[1]}
    assert all(m.topics in (None, ()) and not m.allow_auto_topic_creation for m in peer.metadata)
    for later in ("kafka.consumer_group", "kafka.records"):  # nothing to read: not attempted
        result = report.result(later)
        assert result is not None and result.status is Status.SKIP
    assert elapsed < 5


def test_describe_denied_topic_is_left_out_of_all_topics_and_refused_by_name() -> None:
    # What the connector's client sees from a broker whose ACLs deny Describe on the topic:
    # the all-topics answer leaves it out (as if it did not exist); asked by name, with
    # auto-creation off, it is TOPIC_AUTHORIZATION_FAILED — and an unknown name is not.
    from confluent_kafka.admin import AdminClient

    with describe_denied_broker("orders") as peer:
        settings = kafka(f"kafka://127.0.0.1:{peer.port}/orders")
        answer = client.fetch_metadata(settings, FAST)
        assert answer.cluster is not None and set(answer.cluster.topics) == {"payments"}
        admin = AdminClient(client.base_config(settings, FAST, client.LogTrap()))
        denied = admin.list_topics(topic="orders", timeout=FAST).topics["orders"]
        unknown = admin.list_topics(topic="ordres", timeout=FAST).topics["ordres"]
    assert denied.error is not None and denied.error.name() == "TOPIC_AUTHORIZATION_FAILED"
    assert unknown.error is not None and unknown.error.name() == "UNKNOWN_TOPIC_OR_PART"
    named = [m for m in peer.metadata if m.topics]
    assert named and not any(m.allow_auto_topic_creation for m in named)


async def test_describe_denied_topic_is_not_authorized_not_missing() -> None:
    """Kafka hides a topic the user may not Describe from the all-topics list; the topic layer
    asks for it by name (auto-creation off) and reports the refusal, not a missing topic."""
    with describe_denied_broker("orders") as peer:
        report, _ = await run_plan(kafka(f"kafka://127.0.0.1:{peer.port}/orders"), timeout=FAST)
        named = [m for m in peer.metadata if m.topics]
    root = root_finding(report)
    assert root is not None
    assert root.code == "kafka.topic_not_authorized", root.code
    assert root.evidence["error_code"] == "TOPIC_AUTHORIZATION_FAILED"
    assert any("--operation Describe" in step for step in root.fix)
    assert named and not any(m.allow_auto_topic_creation for m in named)


async def test_missing_topic_asked_by_name_is_not_found() -> None:
    with describe_denied_broker("orders") as peer:
        report, _ = await run_plan(kafka(f"kafka://127.0.0.1:{peer.port}/no-such-topic"),
                                   timeout=FAST)
    root = root_finding(report)
    assert root is not None and root.code == "kafka.topic_not_found", root


def test_cli_json_names_the_leaderless_partition() -> None:
    with leaderless_partition_broker("orders") as peer:
        proc = subprocess.run(
            ["sourcedoctor", "check", f"kafka://127.0.0.1:{peer.port}/orders", "--timeout", "3",
             "--format", "json"], capture_output=True, text=True, timeout=60, check=False,
            stdin=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["root_cause"]["code"] == "kafka.topic_unavailable"
    topic = next(c for c in report["checks"] if c["id"] == "kafka.topic")
    finding = next(f for f in topic["findings"] if f["code"] == "kafka.topic_unavailable")
    assert finding["evidence"]["partitions_without_leader"] == [1]


def _frame(key: int, version: int, body: bytes = b"") -> bytes:
    request = struct.pack(">hhih", key, version, 7, 2) + b"t1" + body
    return struct.pack(">i", len(request)) + request


def _closed(sock: socket.socket) -> bool:
    sock.settimeout(FAST)
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True


def test_peer_answers_only_what_it_advertises() -> None:
    with leaderless_partition_broker() as peer:
        with socket.create_connection(("127.0.0.1", peer.port), timeout=FAST) as sock:
            sock.sendall(_frame(API_VERSIONS, 3, b"\x00\x00\x00"))
            sock.settimeout(FAST)
            (size,) = struct.unpack(">i", sock.recv(4))
            assert 0 < size < 200
            sock.recv(size)
            sock.sendall(_frame(1, 12))  # Fetch: not advertised → closed, no answer
            assert _closed(sock)
        with socket.create_connection(("127.0.0.1", peer.port), timeout=FAST) as sock:
            sock.sendall(_frame(METADATA, 9, b"\x00"))  # a version above the advertised range
            assert _closed(sock)
        with socket.create_connection(("127.0.0.1", peer.port), timeout=FAST) as sock:
            sock.sendall(_frame(METADATA, 8, b"\x00\x00\x00\x05\x7f\xff"))  # truncated topics
            assert _closed(sock)
        with socket.create_connection(("127.0.0.1", peer.port), timeout=FAST) as sock:
            sock.sendall(struct.pack(">i", 1 << 30))  # a frame larger than any request here
            assert _closed(sock)
    assert peer.alive_threads() == 0
