"""Layer 7 — topic: the topic exists in the metadata, and every partition has a leader.

The metadata layer asked for all topics. A topic missing from that answer is asked for once by
name, with auto-creation off (the request says so since Kafka 0.11), because Kafka hides topics the
user may not Describe from every list: by name it answers TOPIC_AUTHORIZATION_FAILED
(``kafka.topic_not_authorized``) or UNKNOWN_TOPIC_OR_PART (``kafka.topic_not_found``, with the
closest names the cluster has; topic names are case-sensitive). A partition without a leader
cannot be read.
"""

from __future__ import annotations

import asyncio
import difflib
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..client import TopicInfo, describe_topic
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
        if topic is None:  # left out of the list: missing, or hidden from this user (ask by name)
            named = await asyncio.wait_for(
                asyncio.to_thread(describe_topic, s, s.topic, ctx.step_timeout),
                ctx.step_timeout + 1)
            if named is not None and named.error_code == "TOPIC_AUTHORIZATION_FAILED":
                return Outcome.of([make_finding(
                    "kafka.topic_not_authorized",
                    f"{s.bootstrap_servers} refuses to describe topic {s.topic} to this user "
                    "(TOPIC_AUTHORIZATION_FAILED): it is hidden from the topic list",
                    evidence={"topic": s.topic, "error_code": named.error_code,
                              "asked": "by name", "topic_count": len(visible)},
                    topic=s.topic, bootstrap=s.bootstrap_servers)], topic_count=len(visible))
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
