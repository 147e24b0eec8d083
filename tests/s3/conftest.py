"""S3 peers for the S3 connector's tests: moto over HTTPS, TLS certificates, a clean AWS environment.

Helpers that run a diagnosis are in :mod:`tests.s3.helpers`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.moto import MotoServer
from tests.fixtures.tls import Certificates


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A trustme CA (``ca_pem``) and server certificates of each kind (``certs.server(kind)``)."""
    return Certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def moto(certs: Certificates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A seeded moto server over HTTPS checking signatures and IAM permissions (see
    tests/fixtures/moto.py for the requests its server mode cannot check)."""
    with MotoServer(certs.server("good"), certs.ca_pem, tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture(scope="session")
def open_moto(certs: Certificates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """The same seeded bucket on a moto server that accepts any signature (moto's default): for
    the listing, objects and data layers."""
    with MotoServer(certs.server("good"), certs.ca_pem, tmp_path_factory.mktemp("moto-open"),
                    checked=False) as server:
        yield server


@pytest.fixture(autouse=True)
def no_ambient_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keys come only from what a test gives: no AWS variables, files or instance metadata."""
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE",
                "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
