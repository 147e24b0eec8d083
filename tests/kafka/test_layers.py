"""The Kafka diagnosis against Tansu, a real Kafka-compatible broker (tests/fixtures/tansu.py).

Each failing layer's code is a real broker answer: a topic the metadata does not have, brokers
advertising a dead port or an unresolvable name, a group with a live member or committed
offsets, an empty topic, a broker that requires SASL or refuses the SCRAM exchange. The healthy
control passes with no warning, reads the records and leaves no committed offset behind.
"""

from __future__ import annotations

import json
import time

from sourcedoctor.model import Severity, Status, Verdict
from tests.fixtures.tansu import DONE_GROUP, ORDERS, TansuBroker
from tests.kafka.helpers import STEP, kafka, root_finding, run_plan


async def test_healthy_topic_passes_reads_records_and_commits_nothing(tansu: TansuBroker) -> None:
    before = tansu.committed(DONE_GROUP)
    report, state = await run_plan(kafka(f"kafka://{tansu.bootstrap}/orders",
                                         consumer_group="fresh-flow"))
    assert report.verdict is Verdict.PASS, report.codes
    assert not report.codes
    assert all(r.status in (Status.PASS,) for r in report.checks), [
        (r.check_id, r.status) for r in report.checks]
    records = report.result("kafka.records")
    assert records is not None and records.facts["read"] == 3
    # the watermarks' span is named for what it is (offsets; Tansu numbers batches), and a read
    # beyond it is said, not left to contradict a "records in topic" count
    assert "records_in_topic" not in records.facts
    span = records.facts["offset_span"]
    assert ("offset_span_note" in records.facts) == (records.facts["read"] > span)
    assert records.facts["value_kinds"] == {"json": 3}
    assert state.read is not None
    assert sorted(r.value for r in state.read.records) == sorted(
        json.dumps(o).encode() for o in ORDERS)
    # read-only: neither the reader's own group, nor the checked one, nor another has offsets now
    assert tansu.committed(state.read.group_id) == {}
    assert tansu.committed("fresh-flow") == {}
    assert tansu.committed(DONE_GROUP) == before
    broker = report.result("kafka.broker")
    assert broker is not None and broker.facts["brokers"][0]["advertised"] == tansu.bootstrap


async def test_missing_topic_names_close_matches(tansu: TansuBroker) -> None:
    report, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/Orders"))
    root = root_finding(report)
    assert root is not None and root.code == "kafka.topic_not_found"
    assert root.evidence["close_matches"] == ["orders"]
    assert any("orders" in step for step in root.fix)
    # asking never created it (metadata is asked for all topics, auto-creation off)
    assert "Orders" not in (await run_plan(kafka(f"kafka://{tansu.bootstrap}")))[1].cluster.topics  # type: ignore[union-attr]


async def test_no_topic_lists_the_topics_and_skips_the_records(tansu: TansuBroker) -> None:
    report, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}"))
    assert report.verdict is Verdict.PASS, report.codes
    topic, records = report.result("kafka.topic"), report.result("kafka.records")
    assert topic is not None and records is not None
    assert topic.status is Status.SKIP and {"orders", "mixed", "empty"} <= set(topic.facts["topics"])
    assert "orders" in topic.facts["skipped"]
    assert records.status is Status.SKIP and records.blocked_by is None  # not an internal error


async def test_advertised_port_nothing_listens_on(tansu_bad_port: TansuBroker) -> None:
    report, _ = await run_plan(kafka(f"kafka://{tansu_bad_port.bootstrap}/orders"))
    root = root_finding(report)
    assert root is not None and root.code == "kafka.advertised_listener_unreachable"
    advertised = tansu_bad_port.advertised.removeprefix("tcp://")  # type: ignore[union-attr]
    assert root.evidence["unreachable"][0]["advertised"] == advertised
    assert root.evidence["unreachable"][0]["tcp"] == "refused"
    assert advertised in root.summary and advertised in root.fix[0]
    assert tansu_bad_port.bootstrap in root.fix[0]  # what to advertise instead
    assert report.result("kafka.topic").status is Status.SKIP  # type: ignore[union-attr]


async def test_advertised_name_does_not_resolve(tansu_bad_name: TansuBroker) -> None:
    report, _ = await run_plan(kafka(f"kafka://{tansu_bad_name.bootstrap}/orders"))
    root = root_finding(report)
    assert root is not None and root.code == "kafka.advertised_listener_unreachable"
    bad = root.evidence["unreachable"][0]
    assert bad["advertised"] == "kafka-1.internal.invalid:9092" and "dns" in bad
    assert "kafka-1.internal.invalid:9092" in root.fix[0]


async def test_group_with_a_live_member_fails_for_the_platform(tansu: TansuBroker) -> None:
    with tansu.active_member("other-flow", "orders"):
        generic, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/orders",
                                          consumer_group="other-flow"))
        aep, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/orders",
                                      consumer_group="other-flow"), target="aep")
    finding = generic.result("kafka.consumer_group").findings[0]  # type: ignore[union-attr]
    assert finding.code == "kafka.consumer_group_in_use"
    assert finding.severity is Severity.WARN  # a generic reader may share a group on purpose
    assert finding.evidence["member_list"][0]["member_id"].startswith("other-flow")
    assert any("other-flow" in step for step in finding.fix)
    assert any(f"--bootstrap-server {tansu.bootstrap} " in step for step in finding.fix)
    platform = aep.result("kafka.consumer_group").findings[0]  # type: ignore[union-attr]
    assert platform.code == "kafka.consumer_group_in_use" and platform.severity is Severity.FAIL
    # Tansu's ConsumerGroupDescribe answer is inconsistent: the classic request told the truth
    assert "DescribeGroups (classic)" in finding.evidence["described_by"]


async def test_group_with_committed_offsets_warns(tansu: TansuBroker) -> None:
    report, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/orders", consumer_group=DONE_GROUP))
    assert report.verdict is Verdict.WARN
    finding = report.result("kafka.consumer_group").findings[0]  # type: ignore[union-attr]
    assert finding.code == "kafka.consumer_group_has_offsets"
    assert finding.evidence["topic_offsets"] == {"orders/0": 1}
    assert any(f"--group {DONE_GROUP}" in step and "--reset-offsets" in step for step in finding.fix)


async def test_empty_topic_warns(tansu: TansuBroker) -> None:
    report, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/empty"))
    assert report.verdict is Verdict.WARN and report.codes == ["kafka.topic_empty"]


async def test_broker_requiring_sasl_drops_a_client_without_it(tansu_auth: TansuBroker) -> None:
    report, _ = await run_plan(kafka(f"kafka://{tansu_auth.bootstrap}/orders"))
    root = root_finding(report)
    assert root is not None and root.code == "kafka.auth_required"
    assert any("--sasl-mechanism" in step for step in root.fix)


async def test_scram_refused_once_and_fast(tansu_auth: TansuBroker) -> None:
    t0 = time.monotonic()
    report, _ = await run_plan(kafka(f"kafka://{tansu_auth.bootstrap}/orders",
                                     sasl_mechanism="SCRAM-SHA-512", username="nobody",
                                     password="not-the-password"))
    root = root_finding(report)
    assert root is not None and root.code == "kafka.auth_failed"
    assert "nobody" in root.fix[0] and "SCRAM-SHA-512" in root.fix[0]
    attempts = [line for line in root.evidence["client_log"] if "SASL authentication error" in line]
    assert len(attempts) == 1  # one authentication attempt, no reconnect storm
    assert time.monotonic() - t0 < STEP  # the refusal ends the wait: no waiting for the deadline


async def test_platform_target_flags_private_advertised_addresses(tansu: TansuBroker) -> None:
    report, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/orders"), target="aep")
    # loopback bootstrap and brokers: said by DNS and by the advertised layer, as warnings only
    assert sorted(report.codes) == ["dns.private_address", "kafka.advertised_listener_private"]
    assert report.verdict is Verdict.WARN
    finding = report.result("kafka.advertised").findings[0]  # type: ignore[union-attr]
    assert finding.severity is Severity.WARN and finding.evidence["bootstrap_public"] is False
    assert tansu.bootstrap in finding.fix[0]
    generic, _ = await run_plan(kafka(f"kafka://{tansu.bootstrap}/orders"))
    assert not generic.codes  # no cloud, no private-address judgement
