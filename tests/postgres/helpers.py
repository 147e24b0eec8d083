"""Run the PostgreSQL connector's diagnosis through the engine's Runner (as ``api.runner`` does)."""

from __future__ import annotations

from typing import Any

from sourcedoctor.api import DEADLINE_STEPS, tool_info
from sourcedoctor.checks.base import Context
from sourcedoctor.connectors.postgres.connector import CONNECTOR
from sourcedoctor.connectors.postgres.settings import PostgresSettings
from sourcedoctor.connectors.postgres.state import PostgresState
from sourcedoctor.model import Finding, Report, Severity, Status
from sourcedoctor.runner import Runner, run_to_report
from sourcedoctor.targets import get_target
from tests.fixtures.postgres import PrivateCluster

#: Per-step budget: loopback servers answer in milliseconds.
STEP = 4.0


def settings(url: str, **values: Any) -> PostgresSettings:
    return CONNECTOR.settings(url, **values)


def private(
    cluster: PrivateCluster,
    user: str = "reader",
    database: str = "shop",
    table: str | None = None,
    **values: Any,
) -> PostgresSettings:
    """Settings for the private cluster (password given as a field unless overridden)."""
    from tests.postgres.conftest import READER_PASSWORD

    url = f"postgresql://{user}@127.0.0.1:{cluster.port}/{database}" + (f"?table={table}" if table else "")
    values.setdefault("password_field", READER_PASSWORD)
    return settings(url, **values)


def _runner(s: PostgresSettings, *, target: str, timeout: float) -> Runner:
    """``api.runner`` for this connector without the registry lookup (which loads every other
    connector: a half-built one elsewhere in the tree must not fail these tests)."""
    profile = get_target(target)
    ctx: Context[Any, Any] = Context(
        settings=s, state=CONNECTOR.new_state(s), target=profile, step_timeout=timeout
    )
    return Runner(
        CONNECTOR.plan(s, profile),
        ctx,
        deadline=timeout * DEADLINE_STEPS,
        tool=tool_info(),
        target=CONNECTOR.target_block(s, target),
        command=CONNECTOR.reproduce(s, target, timeout),
        extras=lambda: {"transcript": ctx.transcript.lines()},
        audiences=CONNECTOR.audiences,
    )


async def run_plan(
    s: PostgresSettings, *, target: str = "generic", timeout: float = STEP
) -> tuple[Report, PostgresState]:
    r = _runner(s, target=target, timeout=timeout)
    return await run_to_report(r), r.ctx.state


def problems(report: Report) -> list[Finding]:
    """Every warning/failure/error finding of a report."""
    return [f for c in report.checks for f in c.findings if f.severity >= Severity.WARN]


def codes(report: Report) -> list[str]:
    return [f.code for f in problems(report)]


def finding(report: Report, code: str) -> Finding:
    found = [f for c in report.checks for f in c.findings if f.code == code]
    assert found, (
        f"no {code} in {[(c.check_id, c.status, [f.code for f in c.findings]) for c in report.checks]}"
    )
    return found[0]


def status(report: Report, check_id: str) -> Status:
    return next(c.status for c in report.checks if c.check_id == check_id)


def facts(report: Report, check_id: str) -> dict[str, Any]:
    return dict(next(c.facts for c in report.checks if c.check_id == check_id))
