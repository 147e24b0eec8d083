"""Layer 7 — topic: the topic exists in the metadata, and every partition has a leader.

The metadata layer asked for all topics (never for one by name: on a broker with
``auto.create.topics.enable`` that request would create it). A missing topic is named with the
closest names the cluster has (topic names are case-sensitive); a partition without a leader, or
a topic the broker refuses to describe, cannot be read.
"""

from __future__ import annotations

import difflib
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..client import TopicInfo
from ..settings import KafkaSettings
from ..source import KafkaRowSource
from ..state import KafkaState


def close_matches(name: str, names: list[str], n: int = 5) -> list[str]:
    """Existing names closest to ``name`` (a case-only difference first)."""
    same_case = [x for x in names if x.lower() == name.lower()]
    by_lower = {x.lower(): x for x in names}
    near = [by_lower[x] for x in difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.6)]
    return list(dict.fromkeys([*same_case, *near]))[:n]


def topic_problems(topic: TopicInfo) -> dict[str, Any]:
    """What makes a described topic unreadable: its error, partitions without a leader."""
    out: dict[str, Any] = {}
    if topic.error:
        out["error"] = topic.error
        out["error_code"] = topic.error_code
    leaderless = [p.id for p in topic.partitions if p.leader < 0 or p.error == "LEADER_NOT_AVAILABLE"]
    if leaderless:
        out["partitions_without_leader"] = leaderless
    if not topic.partitions and not topic.error:
        out["error"] = "the topic has no partitions"
    return out


class KafkaTopicCheck(Check[KafkaSettings, KafkaState]):
    """Find the topic; name close matches; judge partitions and leaders."""

    id = "kafka.topic"
    title = "Topic and partitions"
    needs = ("kafka.advertised",)

    async def run(self, ctx: Context[KafkaSettings, KafkaState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.cluster is not None
        st.source = KafkaRowSource(s, st.cluster, ctx.step_timeout)
        names = sorted(st.cluster.topics)
        visible = [n for n in names if not n.startswith("__")]
        if s.topic is None:
            shown = ", ".join(visible[:20]) + (f" (+{len(visible) - 20} more)"
                                                if len(visible) > 20 else "")
            return Outcome.not_applicable(
                f"no topic given (kafka://BROKER/TOPIC); the cluster has {len(visible)} "
                f"topic(s): {shown or 'none'}", topics=visible[:50], topic_count=len(visible))
        topic = st.cluster.topics.get(s.topic)
        if topic is None or topic.error_code == "UNKNOWN_TOPIC_OR_PART":
            near = close_matches(s.topic, visible)
            return Outcome.of([make_finding(
                "kafka.topic_not_found",
                f"topic {s.topic} does not exist on {s.bootstrap_servers}"
                + (f" (close: {', '.join(near)})" if near else ""),
                evidence={"topic": s.topic, "close_matches": near, "topics": visible[:50],
                          "topic_count": len(visible)},
                topic=s.topic, close=", ".join(near) or "(none)",
                bootstrap=s.bootstrap_servers)], topic_count=len(visible))
        facts: dict[str, Any] = {
            "topic": s.topic, "partitions": len(topic.partitions),
            "leaders": {str(p.id): p.leader for p in topic.partitions[:64]},
            "replicas": max((len(p.replicas) for p in topic.partitions), default=0)}
        problems = topic_problems(topic)
        findings: list[Finding] = []
        if problems:
            findings.append(make_finding(
                "kafka.topic_unavailable",
                f"topic {s.topic} cannot be read: "
                + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in problems.items()),
                evidence={**facts, **problems}, topic=s.topic))
        else:
            st.topic = s.topic
        return Outcome.of(findings, **facts)
