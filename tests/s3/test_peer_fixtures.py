"""The S3 suite's peers are what their docstrings say (as tests/test_fixtures.py does for the
SSH and DNS peers): certificates of each kind, the fault peer's documented answers, and moto's
IAM checks — asked directly, without sourcedoctor in between."""

from __future__ import annotations

import datetime as dt
import http.client
import ssl

import pytest
from botocore.exceptions import ClientError
from cryptography import x509

from tests.fixtures.moto import MotoServer
from tests.fixtures.s3peer import BUCKET_REGION, S3FaultPeer
from tests.fixtures.tls import Certificates


def _leaf(certs: Certificates, kind: str) -> x509.Certificate:
    cert, _ = certs.server(kind)
    return x509.load_pem_x509_certificate(cert.read_bytes())


def _sans(cert: x509.Certificate) -> list[str]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [*san.get_values_for_type(x509.DNSName), *map(str, san.get_values_for_type(x509.IPAddress))]


def test_certificate_kinds(certs: Certificates) -> None:
    ca = x509.load_pem_x509_certificate(certs.ca_pem.read_bytes())
    now = dt.datetime.now(dt.UTC)
    good, expired = _leaf(certs, "good"), _leaf(certs, "expired")
    assert good.issuer == ca.subject and good.not_valid_after_utc > now
    assert set(_sans(good)) == {"127.0.0.1", "localhost"}
    assert expired.issuer == ca.subject and expired.not_valid_after_utc < now
    assert _sans(_leaf(certs, "wrong_host")) == ["other.example"]
    assert _leaf(certs, "unknown_ca").issuer != ca.subject


def test_fault_peer_answers_a_region_redirect_as_s3_documents(certs: Certificates) -> None:
    with S3FaultPeer("wrong_region", certs.server("good")) as peer:
        ctx = ssl.create_default_context(cafile=str(certs.ca_pem))
        conn = http.client.HTTPSConnection("127.0.0.1", peer.port, context=ctx, timeout=5)
        conn.request("GET", "/data?location")
        answer = conn.getresponse()
        body = answer.read()
        conn.close()
    assert answer.status == 301
    assert answer.getheader("x-amz-bucket-region") == BUCKET_REGION
    assert b"<Code>PermanentRedirect</Code>" in body


def test_checked_moto_verifies_signatures_and_permissions(moto: MotoServer) -> None:
    reader = moto.client("s3", moto.keys["reader"])
    assert reader.get_bucket_location(Bucket="data")["ResponseMetadata"]["HTTPStatusCode"] == 200
    forged = moto.client("s3", type(moto.keys["reader"])(moto.keys["reader"].access_key_id, "forged"))
    with pytest.raises(ClientError) as err:
        forged.get_bucket_location(Bucket="data")
    assert err.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    nobody = moto.client("s3", moto.keys["nobody"])
    with pytest.raises(ClientError) as err:
        nobody.get_bucket_location(Bucket="data")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_checked_moto_refuses_a_listing_whose_query_holds_a_slash(moto: MotoServer) -> None:
    """The moto limit the fixture documents: if this starts passing, listings can move to the
    checked server (and the open one can go)."""
    reader = moto.client("s3", moto.keys["reader"])
    assert reader.list_objects_v2(Bucket="data")["KeyCount"] > 0
    with pytest.raises(ClientError) as err:
        reader.list_objects_v2(Bucket="data", Prefix="in/")
    assert err.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
