"""Run the Kafka connector's diagnosis through the engine, as ``api`` does for any connector."""

from __future__ import annotations

from typing import Any

from sourcedoctor import api
from sourcedoctor.connectors import get
from sourcedoctor.connectors.kafka.settings import KafkaSettings
from sourcedoctor.connectors.kafka.state import KafkaState
from sourcedoctor.model import Finding, Report
from sourcedoctor.runner import run_to_report

#: Per-step budget: loopback peers answer in milliseconds.
STEP = 3.0


def kafka(url: str, **values: Any) -> KafkaSettings:
    return get("kafka").settings(url, **values)  # type: ignore[return-value]


async def run_plan(settings: KafkaSettings, *, target: str = "generic",
                   timeout: float = STEP) -> tuple[Report, KafkaState]:
    runner = api.runner(settings, target=target, timeout=timeout)
    return await run_to_report(runner), runner.ctx.state


def root_finding(report: Report) -> Finding | None:
    """The root cause as its full Finding (evidence included)."""
    root = report.root_cause
    if root is None:
        return None
    result = report.result(root.check)
    assert result is not None
    return next(f for f in result.findings if f.code == root.code)
