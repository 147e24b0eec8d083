"""Azurite peers for the Azure Blob connector's tests: plain http, and https with a trustme CA."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.azurite import Azurite
from tests.fixtures.tls import Certificates


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """A seeded Azurite over plain http (see tests/fixtures/azurite.py)."""
    with Azurite(tmp_path_factory.mktemp("azurite")) as server:
        yield server


@pytest.fixture(scope="session")
def blob_certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("blob-tls"))


@pytest.fixture(scope="session")
def azurite_https(blob_certs: Certificates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """The same seeded account over https with a certificate from the test CA."""
    server = Azurite(tmp_path_factory.mktemp("azurite-https"), cert=blob_certs.server("good"))
    server.ca_pem = blob_certs.ca_pem
    with server:
        yield server
