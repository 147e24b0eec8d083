"""Layer 7 — records: read a few records from TRIM_HORIZON, within the time bound.

GetShardIterator then GetRecords per shard (open shards first). A refusal names which action is
missing; an empty stream is a warning (a flow would ingest nothing yet).
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ...kafka.records import value_kinds
from ...kafka.values import value_findings
from ..answers import finding_for
from ..client import KinesisAnswer
from ..connector import CONNECTOR
from ..settings import KinesisSettings
from ..source import read_shards
from ..state import KinesisState


class KinesisRecordsCheck(Check[KinesisSettings, KinesisState]):
    """Read up to ``rows`` records from TRIM_HORIZON; say what their values are."""

    id = "kinesis.records"
    title = "Records (TRIM_HORIZON)"
    needs = ("kinesis.stream",)
    timeout_steps = 2.0

    async def run(self, ctx: Context[KinesisSettings, KinesisState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        if s.stream is None:  # kinesis://?region=…: the stream layer listed the streams
            return Outcome.not_applicable("no stream given (kinesis://STREAM?region=REGION): the "
                                          "streams are listed under the stream layer")
        assert st.client is not None
        try:
            read = await read_shards(st.client, s.stream, st.shards, s.rows, ctx.step_timeout)
        except TimeoutError:
            answer = KinesisAnswer(False, code="timeout",
                                   message=f"no answer within {ctx.step_timeout:g} s")
            return Outcome.of([finding_for(answer, s, action="kinesis:GetRecords",
                                           what=f"reading {s.stream}")])
        st.read = read
        facts: dict[str, Any] = {
            "read": len(read.records), "asked": s.rows, "shards_read": read.shards_read,
            "calls": read.calls, "value_kinds": value_kinds(read.records),
            "largest_value_bytes": max((len(r.value or b"") for r in read.records), default=0)}
        if read.timed_out:
            facts["stopped_at_time_bound_s"] = ctx.step_timeout
        if read.failed is not None:
            return Outcome.of([finding_for(read.failed, s, action=read.failed_action,
                                           what=read.failed_request)], **facts)
        if not read.records:
            return Outcome.of([make_finding(
                "kinesis.stream_empty", f"stream {s.stream} has no records from TRIM_HORIZON "
                f"({len(read.shards_read)} shard(s) read)", evidence=facts, stream=s.stream,
                region=s.region)], **facts)
        preview = CONNECTOR.reproduce(s, ctx.target.name, ctx.step_timeout).replace(
            "sourcedoctor check", "sourcedoctor preview", 1)
        return Outcome.of(value_findings(read.records, ctx.target, relation=f"stream {s.stream}",
                                         preview=preview), **facts)
