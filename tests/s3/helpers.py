"""Run the S3 connector's diagnosis through the engine, as ``api`` does for any connector."""

from __future__ import annotations

from typing import Any

from sourcedoctor import api
from sourcedoctor.connectors import get
from sourcedoctor.connectors.s3.settings import S3Settings
from sourcedoctor.connectors.s3.state import S3State
from sourcedoctor.model import Report
from sourcedoctor.runner import run_to_report
from tests.fixtures.moto import MotoServer
from tests.fixtures.tls import Certificates

#: Per-step budget in these tests: loopback peers answer in milliseconds.
STEP = 5.0


async def run_plan(settings: S3Settings, *, target: str = "generic",
                   timeout: float = STEP) -> tuple[Report, S3State]:
    """The S3 connector's full diagnosis through ``api.runner``; the report and the run's state."""
    runner = api.runner(settings, target=target, timeout=timeout)
    return await run_to_report(runner), runner.ctx.state


def moto_settings(moto: MotoServer, certs: Certificates, user: str = "reader",
                  **values: Any) -> S3Settings:
    """Settings for the seeded bucket on ``moto`` with ``user``'s keys (override any field)."""
    keys = moto.keys[user]
    base: dict[str, Any] = {"access_key_id": keys.access_key_id,
                            "secret_access_key": keys.secret_access_key,
                            "endpoint_url": moto.endpoint, "ca_bundle": str(certs.ca_pem),
                            "region": "us-east-1"}
    return get("s3").settings("s3://data/in", **{**base, **values})  # type: ignore[return-value]
