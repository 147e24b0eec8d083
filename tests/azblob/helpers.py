"""Run the Azure Blob connector's diagnosis through the engine, as ``api`` does for any connector."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from sourcedoctor import api
from sourcedoctor.connectors import get
from sourcedoctor.connectors.azblob.settings import AzblobSettings
from sourcedoctor.connectors.azblob.state import AzblobState
from sourcedoctor.model import Finding, Report
from sourcedoctor.runner import run_to_report

#: Per-step budget in these tests: loopback peers answer in milliseconds.
STEP = 5.0


async def run_plan(settings: AzblobSettings, *, target: str = "generic",
                   timeout: float = STEP) -> tuple[Report, AzblobState]:
    """The connector's full diagnosis through ``api.runner``; the report and the run's state."""
    runner = api.runner(settings, target=target, timeout=timeout)
    return await run_to_report(runner), runner.ctx.state


def settings(url: str = "azblob:///data/in", **values: Any) -> AzblobSettings:
    """Settings from a URL and values; secrets given as plain strings are wrapped."""
    for name in ("connection_string", "sas_uri", "service_principal_key"):
        if isinstance(values.get(name), str):
            values[name] = SecretStr(values[name])
    return get("azblob").settings(url, **values)  # type: ignore[return-value]


def findings(report: Report) -> list[Finding]:
    return [f for r in report.checks for f in r.findings]


def codes(report: Report) -> list[str]:
    return [f.code for f in findings(report)]


def one(report: Report, code: str) -> Finding:
    found = [f for f in findings(report) if f.code == code]
    assert len(found) == 1, (code, codes(report))
    return found[0]
