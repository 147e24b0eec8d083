"""Run the inlet connector's diagnosis through the engine, and write record files."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

from sourcedoctor import api
from sourcedoctor.connectors import get
from sourcedoctor.connectors.inlet.settings import InletSettings
from sourcedoctor.connectors.inlet.state import InletState
from sourcedoctor.model import Finding, Report, Status
from sourcedoctor.runner import run_to_report
from tests.fixtures.tls import Certificates
from tests.inlet.peer import DATASET_SCHEMA, ORG, InletPeer

STEP = 5.0


async def run_plan(settings: InletSettings, *, timeout: float = STEP) -> tuple[Report, InletState]:
    runner = api.runner(settings, timeout=timeout)
    return await run_to_report(runner), runner.ctx.state


def inlet_settings(peer: InletPeer, certs: Certificates, url: str | None = None,
                   **values: Any) -> InletSettings:
    base: dict[str, Any] = {"ca_bundle": str(certs.ca_pem)}
    return get("inlet").settings(url or peer.collection_url(), **{**base, **values})  # type: ignore[return-value]


def xdm(**entity: Any) -> dict[str, Any]:
    """A complete XDM envelope for the dataset's schema (as [RECORD] shows one)."""
    ref = {"id": DATASET_SCHEMA, "contentType": "application/vnd.adobe.xed-full+json;version=1"}
    return {"header": {"schemaRef": ref, "imsOrgId": ORG, "source": {"name": "sourcedoctor-test"}},
            "body": {"xdmMeta": {"schemaRef": ref},
                     "xdmEntity": {"_id": "1", "timestamp": "2026-11-30T10:00:00Z",
                                   "person": {"name": {"firstName": "Ada"}}, **entity}}}


def write_lines(path: Path, *records: Any) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def jwt(**claims: Any) -> str:
    """An unsigned JWT with ``claims`` (the tool never verifies signatures, only reads claims)."""
    def enc(doc: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")
    return f"{enc({'alg': 'RS256', 'typ': 'JWT'})}.{enc(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


def ims_token(age_s: float, lifetime_s: float = 86400) -> str:
    """An IMS-shaped access token: created_at/expires_in in milliseconds, as strings."""
    created = int((time.time() - age_s) * 1000)
    return jwt(type="access_token", client_id="abc", created_at=str(created),
               expires_in=str(int(lifetime_s * 1000)))


def findings(report: Report) -> list[Finding]:
    return [f for r in report.checks for f in r.findings]


def codes(report: Report) -> list[str]:
    return [f.code for f in findings(report)]


def status_of(report: Report, check: str) -> Status:
    return next(r.status for r in report.checks if r.check_id == check)


def one(report: Report, code: str) -> Finding:
    found = [f for f in findings(report) if f.code == code]
    assert len(found) == 1, (code, codes(report))
    return found[0]
