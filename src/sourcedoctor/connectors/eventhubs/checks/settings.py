"""Layer 1 — settings: namespace, event hub and consumer group names, by Azure's naming rules."""

from __future__ import annotations

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..credentials import entity_problem, group_problem, namespace_problem
from ..settings import SUFFIX, EventHubsSettings
from ..state import EventHubsState


class EventHubsSettingsCheck(Check[EventHubsSettings, EventHubsState]):
    """Names as Azure takes them (nothing is contacted)."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[EventHubsSettings, EventHubsState]) -> Outcome:
        s = ctx.settings
        findings: list[Finding] = []
        if s.namespace is not None:
            problem, name = namespace_problem(s.namespace)
            if problem:
                suggestion = name or "my-namespace"
                findings.append(make_finding(
                    "eventhubs.namespace_invalid", f"namespace {s.namespace!r} {problem}",
                    evidence={"field": "namespace", "problem": problem}, suggestion=suggestion))
            else:
                ctx.state.namespace = name
        for field, value, judge in (("event_hub", s.event_hub, entity_problem),
                                    ("consumer_group", s.consumer_group, group_problem)):
            if value is not None and (why := judge(value)):
                findings.append(make_finding(
                    "eventhubs.name_invalid", f"{field} {value!r} {why}",
                    evidence={"field": field, "problem": why}, field=field))
        if s.event_hub and not entity_problem(s.event_hub):
            ctx.state.event_hub = s.event_hub
        if s.group == "$Default":
            findings.append(make_finding(
                "eventhubs.consumer_group_default", "the consumer group is $Default, which other "
                "readers of the hub share", evidence={"field": "consumer_group",
                                                      "consumer_group": s.group}))
        host = f"{ctx.state.namespace}{SUFFIX}" if ctx.state.namespace else None
        return Outcome.of(findings, namespace_host=host, event_hub=s.event_hub,
                          consumer_group=s.group)
