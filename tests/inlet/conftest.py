"""The local HTTPS inlet (tests/inlet/peer.py) and its TLS material, for the inlet connector's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.tls import Certificates
from tests.inlet.peer import InletPeer


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("inlet-tls"))


@pytest.fixture(scope="session")
def _inlet(certs: Certificates) -> Iterator[InletPeer]:
    with InletPeer(certs.server("good")) as peer:
        yield peer


@pytest.fixture
def inlet(_inlet: InletPeer) -> Iterator[InletPeer]:
    """The inlet, reset to a healthy unauthenticated inlet with zeroed counters for each test."""
    _inlet.reset()
    yield _inlet
    _inlet.reset()
