"""Tansu brokers for the Kafka connector's tests (see tests/fixtures/tansu.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.tansu import TansuBroker
from tests.fixtures.tls import Certificates
from tests.support import free_port


@pytest.fixture(scope="session")
def tansu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    """A seeded broker advertising its own address (the healthy cluster)."""
    with TansuBroker(tmp_path_factory.mktemp("tansu")) as broker:
        yield broker.seed()


@pytest.fixture(scope="session")
def tansu_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    """A broker started with --authentication (drops unauthenticated clients)."""
    with TansuBroker(tmp_path_factory.mktemp("tansu-auth"), authentication=True) as broker:
        yield broker


@pytest.fixture
def tansu_bad_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    """A broker advertising 127.0.0.1:<a port nothing listens on>."""
    dead = free_port()
    with TansuBroker(tmp_path_factory.mktemp("tansu-port"),
                     advertised=f"tcp://127.0.0.1:{dead}") as broker:
        yield broker


@pytest.fixture
def tansu_bad_name(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    """A broker advertising a name that does not resolve (.invalid never does, RFC 6761)."""
    with TansuBroker(tmp_path_factory.mktemp("tansu-name"),
                     advertised="tcp://kafka-1.internal.invalid:9092") as broker:
        yield broker


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A trustme CA and server certificates of each kind (tests/fixtures/tls.py)."""
    return Certificates(tmp_path_factory.mktemp("kafka-tls"))
