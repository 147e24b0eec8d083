"""The shared TLS layer against real HTTPS peers whose certificates a trustme CA made: expired,
issued for another name, signed by an unknown CA; a plain HTTP port behind an https:// URL; and a
plain http:// endpoint. Through the S3 plan (its first HTTPS connector) and on its own, typed on
nothing but host/port/tls/server_hostname/ca_bundle and sock/peer/tls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from sourcedoctor.checks.base import Context
from sourcedoctor.checks.tls import TlsCheck
from sourcedoctor.connectors import get
from sourcedoctor.model import Severity, Status
from sourcedoctor.targets import GENERIC
from tests.fixtures.tls import Certificates, HttpPeer
from tests.s3.helpers import STEP, run_plan


@pytest.fixture
def https_peer(certs: Certificates) -> Iterator[Any]:
    started: list[HttpPeer] = []

    def start(kind: str | None) -> HttpPeer:
        peer = HttpPeer(cert=certs.server(kind) if kind else None).start()
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.stop()


async def diagnose(endpoint: str, ca_bundle: str | None) -> Any:
    settings = get("s3").settings("s3://data/in", endpoint_url=endpoint, ca_bundle=ca_bundle,
                                  access_key_id="AKIAEXAMPLE0000", secret_access_key="secret-value")
    report, _ = await run_plan(settings)
    return report


async def test_expired_certificate(https_peer: Any, certs: Certificates) -> None:
    peer = https_peer("expired")
    report = await diagnose(peer.url, str(certs.ca_pem))
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("tls.expired", "tls.handshake")
    evidence = report.result("tls.handshake").findings[0].evidence
    assert evidence["verify_code"] == 10
    assert evidence["certificate"]["subject_alt_names"] == ["127.0.0.1"]
    not_after = dt.datetime.fromisoformat(evidence["certificate"]["not_after"])
    assert not_after < dt.datetime.now(dt.UTC)
    assert report.result("s3.signature").blocked_by == "tls.handshake"


async def test_certificate_for_another_host_name(https_peer: Any, certs: Certificates) -> None:
    peer = https_peer("wrong_host")
    report = await diagnose(f"https://localhost:{peer.port}", str(certs.ca_pem))
    root = report.root_cause
    assert root is not None and root.code == "tls.hostname_mismatch"
    evidence = report.result("tls.handshake").findings[0].evidence
    assert evidence["verify_code"] == 62
    assert evidence["server_hostname"] == "localhost"
    assert evidence["certificate"]["subject_alt_names"] == ["other.example"]


async def test_certificate_for_another_ip_address(https_peer: Any, certs: Certificates) -> None:
    peer = https_peer("wrong_host")
    report = await diagnose(peer.url, str(certs.ca_pem))
    assert report.root_cause is not None and report.root_cause.code == "tls.hostname_mismatch"
    assert report.result("tls.handshake").findings[0].evidence["verify_code"] == 64


async def test_certificate_from_an_unknown_ca(https_peer: Any, certs: Certificates) -> None:
    peer = https_peer("unknown_ca")
    report = await diagnose(peer.url, str(certs.ca_pem))
    root = report.root_cause
    assert root is not None and root.code == "tls.untrusted"
    evidence = report.result("tls.handshake").findings[0].evidence
    assert evidence["certificate"]["issuer"] != evidence["certificate"]["subject"]
    assert evidence["ca_bundle"] == str(certs.ca_pem)


async def test_the_ca_bundle_option_decides_trust(https_peer: Any, certs: Certificates) -> None:
    peer = https_peer("good")
    without = await diagnose(peer.url, None)  # the system store does not know the test CA
    assert without.root_cause is not None and without.root_cause.code == "tls.untrusted"
    with_bundle = await diagnose(peer.url, str(certs.ca_pem))
    assert with_bundle.result("tls.handshake").status is Status.PASS


async def test_a_private_ca_is_a_warning_for_a_cloud_platform(https_peer: Any, certs: Certificates) -> None:
    peer = https_peer("good")
    settings = get("s3").settings("s3://data/in", endpoint_url=peer.url, ca_bundle=str(certs.ca_pem),
                                  access_key_id="AKIAEXAMPLE0000", secret_access_key="secret-value")
    report, _ = await run_plan(settings, target="aep")
    tls = report.result("tls.handshake")
    assert tls is not None and tls.status is Status.WARN
    assert [(f.code, f.severity, f.evidence["public_trust"]) for f in tls.findings] == [
        ("tls.untrusted", Severity.WARN, False)]
    assert report.result("s3.signature").blocked_by is None  # the run goes on


async def test_plain_http_port_behind_https_url_fails_the_handshake(https_peer: Any) -> None:
    peer = https_peer(None)
    report = await diagnose(f"https://127.0.0.1:{peer.port}", None)
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("tls.handshake_failed", "tls.handshake")


async def test_plain_http_endpoint_is_a_warning_and_the_run_goes_on(https_peer: Any) -> None:
    peer = https_peer(None)
    report = await diagnose(peer.url, None)
    tls = report.result("tls.handshake")
    assert tls is not None and tls.status is Status.WARN
    assert [f.code for f in tls.findings] == ["tls.plaintext"]
    assert report.result("s3.signature").blocked_by is None


@dataclass
class Endpoint:
    host: str
    port: int
    ca_bundle: str | None
    tls: bool = True

    @property
    def server_hostname(self) -> str:
        return self.host


@dataclass
class Reached:
    peer: tuple[str, int]
    sock: Any = None
    tls: dict[str, Any] = field(default_factory=dict)


async def test_tls_layer_needs_no_connector(https_peer: Any, certs: Certificates) -> None:
    peer = https_peer("good")
    state = Reached(("127.0.0.1", peer.port))
    ctx: Context[Any, Any] = Context(Endpoint("127.0.0.1", peer.port, str(certs.ca_pem)), state,
                                     GENERIC, step_timeout=STEP)
    outcome = await TlsCheck().run(ctx)
    assert outcome.resolved_status() is Status.PASS
    assert set(state.tls["certificate"]["subject_alt_names"]) == {"127.0.0.1", "localhost"}
    assert state.tls["protocol"] in ("TLSv1.2", "TLSv1.3")
