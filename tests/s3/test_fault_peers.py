"""Answers moto does not emulate, from the tiny S3-shaped peer (tests/fixtures/s3peer.py) that
answers exactly what Amazon S3 documents for each fault: a region redirect, a refused request
time, an expired session token, a KMS key the keys may not use. The peer speaks HTTPS with the
test CA, so every run also passes the shared TLS layer first.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from pydantic import SecretStr

from sourcedoctor.connectors import get
from sourcedoctor.connectors.s3.settings import S3Settings
from sourcedoctor.model import Severity, Status
from tests.fixtures.s3peer import BUCKET_REGION, KMS_KEY, S3FaultPeer
from tests.fixtures.tls import Certificates, HttpPeer
from tests.s3.helpers import run_plan


@pytest.fixture
def peer_for(certs: Certificates) -> Iterator[Any]:
    started: list[S3FaultPeer] = []

    def start(fault: str, date_offset: float = 0.0) -> S3FaultPeer:
        peer = S3FaultPeer(fault, certs.server("good"), date_offset=date_offset).start()
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.stop()


def peer_settings(peer: HttpPeer, certs: Certificates, **values: Any) -> S3Settings:
    base = {"endpoint_url": peer.url, "ca_bundle": str(certs.ca_pem), "access_key_id": "AKIAEXAMPLE0000",
            "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region": "us-east-1"}
    return get("s3").settings("s3://data/in", **{**base, **values})  # type: ignore[return-value]


async def test_bucket_in_another_region_is_wrong_region_naming_it(peer_for: Any, certs: Certificates) -> None:
    peer = peer_for("wrong_region")
    report, _ = await run_plan(peer_settings(peer, certs))
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("s3.wrong_region", "s3.bucket")
    finding = report.result("s3.bucket").findings[0]  # type: ignore[union-attr]
    assert finding.evidence["bucket_region"] == BUCKET_REGION
    assert finding.evidence["error_code"] == "PermanentRedirect"
    assert any(f"https://s3.{BUCKET_REGION}.amazonaws.com" in step for step in finding.fix)
    # Not followed: one GetBucketLocation, no second request to another region.
    assert [p for m, p in peer.requests if p.startswith("/data")] == ["/data?location"]


async def test_request_signed_for_another_region_is_wrong_region(peer_for: Any,
                                                                 certs: Certificates) -> None:
    peer = peer_for("region_malformed")
    report, _ = await run_plan(peer_settings(peer, certs))
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("s3.wrong_region", "s3.bucket")
    evidence = report.result("s3.bucket").findings[0].evidence  # type: ignore[union-attr]
    assert (evidence["error_code"], evidence["bucket_region"]) == ("AuthorizationHeaderMalformed",
                                                                   BUCKET_REGION)


async def test_refused_request_time_is_clock_skew_with_the_measured_offset(
        peer_for: Any, certs: Certificates) -> None:
    peer = peer_for("skewed", date_offset=3600)
    report, _ = await run_plan(peer_settings(peer, certs))
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("s3.clock_skew", "s3.signature")
    finding = report.result("s3.signature").findings[0]  # type: ignore[union-attr]
    assert 3590 <= finding.evidence["clock_offset_s"] <= 3610
    assert peer.requests == [("GET", "/")]  # one signed request: retries are off


async def test_accepted_but_drifting_clock_is_a_warning(peer_for: Any, certs: Certificates) -> None:
    peer = peer_for("kms", date_offset=-600)
    report, _ = await run_plan(peer_settings(peer, certs))
    signature = report.result("s3.signature")
    assert signature is not None and signature.status is Status.WARN
    assert [(f.code, f.severity) for f in signature.findings] == [("s3.clock_skew", Severity.WARN)]
    assert -610 <= signature.findings[0].evidence["clock_offset_s"] <= -590


async def test_expired_session_token_is_token_expired(peer_for: Any, certs: Certificates) -> None:
    peer = peer_for("expired_token")
    report, _ = await run_plan(peer_settings(peer, certs, access_key_id="ASIAEXAMPLE0000",
                                             session_token="IQoJb3JpZ2luX2VjEXAMPLE"))
    assert report.root_cause is not None and report.root_cause.code == "s3.token_expired"
    credentials = report.result("s3.credentials")
    assert credentials is not None and credentials.facts["session_token"] == "given"


async def test_listing_refused_names_list_bucket_with_the_policy(peer_for: Any,
                                                                 certs: Certificates) -> None:
    peer = peer_for("list_denied")
    report, _ = await run_plan(peer_settings(peer, certs), target="aep")
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("s3.access_denied", "s3.listing")
    evidence = report.result("s3.listing").findings[0].evidence  # type: ignore[union-attr]
    assert (evidence["action"], evidence["resource"]) == ("s3:ListBucket", "arn:aws:s3:::data")
    assert evidence["policy"]["Statement"][0]["Action"] == ["s3:ListBucket", "s3:GetBucketLocation"]


@pytest.mark.parametrize("fault", ["kms", "kms_generic"])
async def test_kms_refusal_names_kms_decrypt_and_the_key(fault: str, peer_for: Any,
                                                         certs: Certificates) -> None:
    peer = peer_for(fault)
    report, _ = await run_plan(peer_settings(peer, certs))
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("s3.kms_denied", "s3.objects")
    finding = report.result("s3.objects").findings[0]  # type: ignore[union-attr]
    assert finding.evidence["needed"] == "kms:Decrypt"
    assert finding.evidence["kms_key"] == KMS_KEY
    assert any(KMS_KEY in step for step in finding.fix)
    # The object was asked for with a range, never whole.
    gets = [p for m, p in peer.requests if m == "GET" and p.startswith("/data/in/")]
    assert gets == ["/data/in/secret.csv"]
    assert peer.ranges == ["bytes=0-99"]  # the listed size (100 bytes) bounds the first read


class _ConsolePage(BaseHTTPRequestHandler):
    """A web console where the S3 API was expected: HTML for every request."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b"<!doctype html><html><body><h1>Storage console</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


async def test_web_page_instead_of_the_s3_api_is_request_failed(certs: Certificates) -> None:
    with HttpPeer(_ConsolePage, certs.server("good")) as page:
        report, _ = await run_plan(peer_settings(page, certs))
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("s3.request_failed", "s3.signature")
    evidence = report.result("s3.signature").findings[0].evidence  # type: ignore[union-attr]
    # No S3 error document, so no S3 error code (botocore reports an unparsable 200 as a 500).
    assert evidence["error_code"].isdigit()


async def test_a_reset_at_connect_is_request_failed_for_the_endpoint_owner(peers: Any) -> None:
    """The shared TCP layer, reused by S3: a peer that accepts and resets at once gives the S3 code
    (whether the reset reaches connect() or the first request), never SFTP's banner code, and is
    addressed to whoever runs the endpoint."""
    closer = peers.closer(rst=True)
    settings = get("s3").settings("s3://data/in", endpoint_url=f"http://127.0.0.1:{closer.port}",
                                  access_key_id="AKIAEXAMPLE", region="us-east-1",
                                  secret_access_key=SecretStr("x" * 40))
    report, _ = await run_plan(settings)
    assert report.root_cause is not None
    assert report.root_cause.code == "s3.request_failed"
    assert "ssh." not in " ".join(report.codes)
