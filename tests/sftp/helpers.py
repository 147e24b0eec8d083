"""Run real diagnoses for the SFTP tests and look at their codes."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from sourcedoctor import api
from sourcedoctor.model import Report, Status
from tests.fixtures.sshd import TEST_PASSWORD, USER, SshdServer


async def diagnose(target: str = "generic", timeout: float = 5.0, **values: Any) -> Report:
    """Diagnose with settings given as fields (secrets as plain str for brevity)."""
    for secret in ("password", "passphrase", "key_content"):
        if isinstance(values.get(secret), str):
            values[secret] = SecretStr(values[secret])
    settings = api.sftp_settings(None, **values)
    return await api.diagnose_sftp(settings, target=target, timeout=timeout)


def sshd_values(server: SshdServer, **overrides: Any) -> dict[str, Any]:
    """Settings that reach the fixture's sshd as sdtest with its password, host key pinned."""
    values: dict[str, Any] = {
        "host": server.host, "port": server.port, "user": USER, "password": TEST_PASSWORD,
        "folder": "data", "file": "customers.csv",
        "host_key_fingerprint": ",".join(server.fingerprints.values()),
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def codes(report: Report) -> list[str]:
    return [f.code for c in report.checks for f in c.findings]


def failing(report: Report) -> str | None:
    """The root cause's code (None for a clean run)."""
    return report.root_cause.code if report.root_cause else None


def status(report: Report, check_id: str) -> Status:
    result = report.result(check_id)
    assert result is not None, check_id
    return result.status


def facts(report: Report, check_id: str) -> dict[str, Any]:
    result = report.result(check_id)
    assert result is not None, check_id
    return dict(result.facts)
