"""Layer 8 — consumer group: is the group the platform's flow will use free?

The platform runs one flow per consumer group. A group that already has active members (another
flow, an application) splits the topic's partitions with them: each side gets part of the
records. Committed offsets mean the flow starts where the last user stopped, not at the
earliest record. The group is described and its offsets listed — never joined, never committed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding, Severity
from ..client import describe_group
from ..settings import KafkaSettings
from ..state import KafkaState


class ConsumerGroupCheck(Check[KafkaSettings, KafkaState]):
    """Members and committed offsets of the configured group."""

    id = "kafka.consumer_group"
    title = "Consumer group"
    needs = ("kafka.topic",)
    timeout_steps = 3.0  # describe (maybe twice) and list offsets

    async def run(self, ctx: Context[KafkaSettings, KafkaState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        if not s.consumer_group:
            return Outcome.not_applicable("no consumer group given (--consumer-group GROUP)")
        group = await asyncio.wait_for(asyncio.to_thread(
            describe_group, s, s.consumer_group, ctx.step_timeout), self.timeout(ctx))
        st.group = group
        facts: dict[str, Any] = {"group": group.group, "state": group.state,
                                 "members": len(group.members), "described_by": group.described_by,
                                 "committed_offsets": dict(list(group.offsets.items())[:64])}
        findings: list[Finding] = []
        if group.members:
            finding = make_finding(
                "kafka.consumer_group_in_use",
                f"consumer group {group.group} has {len(group.members)} active member(s): a flow "
                "using it would share the partitions with them",
                evidence={**facts, "member_list": list(group.members[:20])}, group=group.group,
                bootstrap=s.bootstrap_servers)
            if not ctx.target.cloud:  # a generic reader may share a group on purpose (scale-out)
                finding = dataclasses.replace(finding, severity=Severity.WARN)
            findings.append(finding)
        elif group.offsets:
            mine = {k: v for k, v in group.offsets.items() if s.topic and k.startswith(s.topic + "/")}
            findings.append(make_finding(
                "kafka.consumer_group_has_offsets",
                f"consumer group {group.group} has committed offsets "
                f"({len(group.offsets)} partition(s)"
                + (f", {len(mine)} of topic {s.topic}" if s.topic else "") + "): a flow using it "
                "resumes there, not at the earliest record",
                evidence={**facts, "topic_offsets": mine}, group=group.group,
                topic=s.topic or "TOPIC", bootstrap=s.bootstrap_servers))
        return Outcome.of(findings, **facts)
