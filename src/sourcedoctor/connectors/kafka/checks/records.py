"""Layer 9 — records: read a few records from the earliest offset, within the time bound.

Partitions are assigned directly to a consumer with a fresh group id that never joins a group
and never commits (see :mod:`..client`): nothing the platform's flow will see changes. The
records are what preview shows; their values (JSON, schema-registry framed, text, binary) and
sizes are judged by the target's rules (:mod:`..values`)."""

from __future__ import annotations

import asyncio
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ..client import read_records
from ..connector import CONNECTOR
from ..records import StreamRecord, value_kinds
from ..settings import KafkaSettings
from ..state import KafkaState
from ..values import value_findings


class KafkaRecordsCheck(Check[KafkaSettings, KafkaState]):
    """Read up to ``rows`` records; say what their values are."""

    id = "kafka.records"
    title = "Records (earliest offset)"
    needs = ("kafka.topic",)
    after = ("kafka.consumer_group",)
    timeout_steps = 1.5

    async def run(self, ctx: Context[KafkaSettings, KafkaState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        if s.topic is None:  # kafka://BROKER alone: the topic layer listed the topics
            return Outcome.not_applicable("no topic given (kafka://BROKER/TOPIC): the topics "
                                          "are listed under the topic layer")
        assert st.cluster is not None and st.topic is not None
        topic = st.cluster.topics[st.topic]
        read = await asyncio.wait_for(asyncio.to_thread(
            read_records, s, st.topic, [p.id for p in topic.partitions], s.rows, ctx.step_timeout),
            self.timeout(ctx))
        st.read = read
        records = [StreamRecord({"partition": r.partition, "offset": r.offset}, r.timestamp_ms,
                                r.key, r.value) for r in read.records]
        # The watermarks' span counts offsets, not records: compaction, transactions and some
        # brokers (Tansu numbers batches) make it differ from the records a reader gets.
        total = sum(hi - lo for lo, hi in read.watermarks.values())
        facts: dict[str, Any] = {
            "read": len(records), "asked": s.rows, "offset_span": total,
            "watermarks": {str(p): list(m) for p, m in list(read.watermarks.items())[:64]},
            "value_kinds": value_kinds(records), "largest_value_bytes":
                max((len(r.value or b"") for r in read.records), default=0),
            "committed": "never (no group membership, auto-commit off)",
            "reader_group": read.group_id}
        if read.errors:
            facts["fetch_errors"] = list(read.errors)
        if read.timed_out:
            facts["stopped_at_time_bound_s"] = ctx.step_timeout
        if len(records) > total:
            facts["offset_span_note"] = (
                f"read {len(records)} records from an offset span of {total}: this broker's "
                "offsets do not count records one by one (they may number batches)")
        if total == 0 and not records:
            return Outcome.of([make_finding(
                "kafka.topic_empty", f"topic {st.topic} holds no records (every partition's "
                "earliest and latest offsets are equal)", evidence=facts, topic=st.topic)], **facts)
        preview = CONNECTOR.reproduce(s, ctx.target.name, ctx.step_timeout).replace(
            "sourcedoctor check", "sourcedoctor preview", 1)
        return Outcome.of(value_findings(records, ctx.target, relation=f"topic {st.topic}",
                                         preview=preview), **facts)
