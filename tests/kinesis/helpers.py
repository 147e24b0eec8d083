"""Run the Kinesis connector's diagnosis through the engine, as ``api`` does."""

from __future__ import annotations

from typing import Any

from sourcedoctor import api
from sourcedoctor.connectors import get
from sourcedoctor.connectors.kinesis.settings import KinesisSettings
from sourcedoctor.connectors.kinesis.state import KinesisState
from sourcedoctor.model import Finding, Report
from sourcedoctor.runner import run_to_report
from tests.fixtures.moto import MotoServer
from tests.fixtures.tls import Certificates

STEP = 5.0


def moto_settings(moto: MotoServer, certs: Certificates, stream: str = "clicks",
                  user: str = "reader", **values: Any) -> KinesisSettings:
    keys = moto.keys[user]
    base: dict[str, Any] = {"access_key_id": keys.access_key_id,
                            "secret_access_key": keys.secret_access_key,
                            "endpoint_url": moto.endpoint, "ca_bundle": str(certs.ca_pem)}
    return get("kinesis").settings(f"kinesis://{stream}?region=us-east-1",  # type: ignore[return-value]
                                   **{**base, **values})


async def run_plan(settings: KinesisSettings, *, target: str = "generic",
                   timeout: float = STEP) -> tuple[Report, KinesisState]:
    runner = api.runner(settings, target=target, timeout=timeout)
    return await run_to_report(runner), runner.ctx.state


def root_finding(report: Report) -> Finding | None:
    root = report.root_cause
    if root is None:
        return None
    result = report.result(root.check)
    assert result is not None
    return next(f for f in result.findings if f.code == root.code)
