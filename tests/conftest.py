"""Fixtures shared by every test: real servers (sshd, dnsmasq), non-SSH peers, namespaces, keys.

See ``tests/fixtures/`` for what each server answers; ``tests/test_fixtures.py`` proves each one.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.fixtures import peers as _peers
from tests.fixtures.dnsmasq import DnsmasqServer
from tests.fixtures.keys import KeyFiles, make_key
from tests.fixtures.netns import FilteredHost, RouteKind, UnreachableHost
from tests.fixtures.sshd import MatchBlock, OptionValue, SshdServer, ensure_test_users

T = TypeVar("T")

# The suite never touches the machine's own keyring, and keyring never picks a backend by itself:
# otherwise a test's in-memory backend class (any KeyringBackend subclass with a priority above
# "fail") becomes the default of every later test that did not set one. Tests that need a keyring
# set their own (tests/tui/conftest.py: memory_keyring); CLI subprocesses inherit this too.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"


@pytest.fixture(scope="session")
def test_users() -> None:
    """The system users sdtest / sdnoisy / sdchroot exist (see ``ensure_test_users``)."""
    ensure_test_users()


@pytest.fixture(scope="module")
def sshd(test_users: None) -> Iterator[SshdServer]:
    """One default OpenSSH sshd per test module (password + publickey, internal-sftp)."""
    with SshdServer() as server:
        yield server


SshdFactory = Callable[..., SshdServer]


@pytest.fixture
def sshd_factory(test_users: None) -> Iterator[SshdFactory]:
    """``sshd_factory(options={...}, host_key_types=(...), match=[...], fresh_host_keys=False)``
    starts a dedicated sshd for this test; all are stopped at teardown."""
    started: list[SshdServer] = []

    def factory(
        options: Mapping[str, OptionValue] | None = None,
        host_key_types: Sequence[str] = ("ed25519", "rsa"),
        match: Sequence[MatchBlock] = (),
        fresh_host_keys: bool = False,
    ) -> SshdServer:
        server = SshdServer(
            options=options, host_key_types=host_key_types, match=match,
            fresh_host_keys=fresh_host_keys,
        )
        started.append(server)
        return server.start()

    yield factory
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def dnsmasq() -> Iterator[DnsmasqServer]:
    """dnsmasq with the ``.test`` zone (ok/v6/both/alias/chain/txtonly/public/private/
    servfail/refused/silent) on 127.0.0.1:``.port``; ``.resolver`` is ``"127.0.0.1:PORT"``."""
    with DnsmasqServer() as server:
        yield server


@pytest.fixture
def silent_dns() -> Iterator[_peers.SilentDns]:
    """A UDP DNS 'server' that never answers (``.resolver``)."""
    with _peers.SilentDns() as server:
        yield server


@pytest.fixture
def filtered_host() -> Iterator[FilteredHost]:
    """``.address:.port`` (10.231.X.2:22) silently drops SYNs: connect() times out."""
    with FilteredHost() as host:
        yield host


@pytest.fixture
def unreachable_host() -> Iterator[UnreachableHost]:
    """``.address`` (10.231.Y.2) has an ``unreachable`` route: connect() fails EHOSTUNREACH."""
    with UnreachableHost("unreachable") as host:
        yield host


@pytest.fixture
def unreachable_host_factory() -> Iterator[Callable[[RouteKind], UnreachableHost]]:
    """``unreachable_host_factory("throw")`` → ENETUNREACH, ``"prohibit"`` → EACCES."""
    made: list[UnreachableHost] = []

    def factory(kind: RouteKind = "unreachable") -> UnreachableHost:
        host = UnreachableHost(kind)
        made.append(host)
        return host.start()

    yield factory
    for host in made:
        host.stop()


class Peers:
    """Starts non-SSH peers for one test and stops them all at teardown.

    Each method returns a started peer with ``.host`` and ``.port``.
    """

    def __init__(self) -> None:
        self._started: list[Any] = []

    def _keep(self, peer: T) -> T:
        self._started.append(peer)
        return peer

    def ftp_greeting(self) -> _peers.TcpPeer:
        """Sends ``220 ProFTPD Server ready``, then silence."""
        return self._keep(_peers.ftp_greeting().start())

    def http_server(self) -> _peers.TcpPeer:
        """Answers one line with ``HTTP/1.1 400 Bad Request`` / ``Server: nginx``."""
        return self._keep(_peers.http_server().start())

    def tls_server(self) -> _peers.TcpPeer:
        """Answers the first bytes with a raw TLS fatal alert record, then closes."""
        return self._keep(_peers.tls_server().start())

    def tarpit(self) -> _peers.TcpPeer:
        """Accepts, never sends, never closes."""
        return self._keep(_peers.tarpit().start())

    def closer(self, rst: bool = False) -> _peers.TcpPeer:
        """Accepts and closes at once (FIN, or RST with ``rst=True``)."""
        return self._keep(_peers.closer(rst).start())

    def garbage(self, payload: bytes | None = None) -> _peers.TcpPeer:
        """Sends non-SSH bytes (``.payload``) and stays open."""
        return self._keep(_peers.garbage(payload).start())

    def refused_port(self) -> _peers.RefusedPort:
        """A reserved port where connect() is refused."""
        return self._keep(_peers.refused_port().start())

    def silent_dns(self) -> _peers.SilentDns:
        """A UDP DNS server that never answers."""
        return self._keep(_peers.SilentDns().start())

    def stop_all(self) -> None:
        """Stop every peer started through this object."""
        for peer in reversed(self._started):
            peer.stop()
        self._started.clear()


@pytest.fixture
def peers() -> Iterator[Peers]:
    """``peers.ftp_greeting()``, ``.http_server()``, ``.tls_server()``, ``.tarpit()``,
    ``.closer(rst=False)``, ``.garbage()``, ``.refused_port()``, ``.silent_dns()``."""
    helper = Peers()
    yield helper
    helper.stop_all()


@pytest.fixture
def keygen(tmp_path: Path) -> Callable[..., KeyFiles]:
    """``keygen(type="ed25519", bits=None, fmt="openssh", passphrase=None, comment=..., name=None)``
    → KeyFiles in ``tmp_path/keys`` (made by ssh-keygen)."""
    return functools.partial(make_key, tmp_path / "keys")
