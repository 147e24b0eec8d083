"""Run the FTP connector's diagnosis through the engine, as ``api`` does for any connector."""

from __future__ import annotations

from typing import Any

from sourcedoctor import api
from sourcedoctor.connectors import get
from sourcedoctor.connectors.ftp.settings import FtpSettings
from sourcedoctor.connectors.ftp.state import FtpState
from sourcedoctor.model import Report
from sourcedoctor.runner import run_to_report
from tests.fixtures.ftpd import PASSWORD, USER

STEP = 3.0
SCHEME = {"plain": "ftp", "explicit": "ftps", "implicit": "ftps+implicit"}


async def run_plan(settings: FtpSettings, *, target: str = "generic",
                   timeout: float = STEP) -> tuple[Report, FtpState]:
    """The FTP connector's full diagnosis; the report and the run's state."""
    runner = api.runner(settings, target=target, timeout=timeout)
    return await run_to_report(runner), runner.ctx.state


def settings_for(server: Any, folder: str = "in", *, user: str = USER, password: str | None = PASSWORD,
                 scheme: str | None = None, **values: Any) -> FtpSettings:
    """Settings for ``server`` (an FtpServer or any peer with host/port)."""
    scheme = scheme or SCHEME[getattr(server, "mode", "plain")]
    url = f"{scheme}://{user}@{server.host}:{server.port}/{folder}"
    if password is not None:
        values["password"] = password
    return get("ftp").settings(url, **values)  # type: ignore[return-value]


def codes(report: Report) -> dict[str, Any]:
    """code → finding, over every check's findings."""
    return {f.code: f for c in report.checks for f in c.findings}


def statuses(report: Report) -> dict[str, str]:
    return {c.check_id: c.status.name for c in report.checks}
