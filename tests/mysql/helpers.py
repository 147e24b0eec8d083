"""Run the MySQL connector's diagnosis through the engine (the Runner ``api.runner`` builds)."""

from __future__ import annotations

from typing import Any

from sourcedoctor.api import tool_info
from sourcedoctor.checks.base import Context
from sourcedoctor.connectors import get
from sourcedoctor.connectors.mysql.settings import MysqlSettings
from sourcedoctor.connectors.mysql.state import MysqlState
from sourcedoctor.model import Finding, Report, Status
from sourcedoctor.runner import Runner, run_to_report
from sourcedoctor.targets import get_target

#: Per-step budget in these tests: loopback peers answer in milliseconds.
STEP = 5.0


def settings(url: str, **values: Any) -> MysqlSettings:
    return get("mysql").settings(url, **values)  # type: ignore[return-value]


async def run_plan(s: MysqlSettings, *, target: str = "generic",
                   timeout: float = STEP) -> tuple[Report, MysqlState]:
    """The full diagnosis; the report and the run's state (its session closed)."""
    connector = get("mysql")
    profile = get_target(target)
    ctx: Context[Any, Any] = Context(settings=s, state=connector.new_state(s), target=profile,
                                     step_timeout=timeout)
    runner = Runner(connector.plan(s, profile), ctx, deadline=timeout * 12, tool=tool_info(),
                    target=connector.target_block(s, target),
                    command=connector.reproduce(s, target, timeout), audiences=connector.audiences)
    return await run_to_report(runner), ctx.state


def findings(report: Report) -> list[Finding]:
    return [f for c in report.checks for f in c.findings]


def codes(report: Report) -> list[str]:
    return [f.code for f in findings(report)]


def only(report: Report, code: str) -> Finding:
    found = [f for f in findings(report) if f.code == code]
    assert len(found) == 1, codes(report)
    return found[0]


def status(report: Report, check_id: str) -> Status:
    return next(c.status for c in report.checks if c.check_id == check_id)
