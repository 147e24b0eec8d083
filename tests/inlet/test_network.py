"""The inlet's network layers against real peers: dnsmasq (DNS), a closed port (TCP), and hostile
HTTPS servers (garbage after the handshake, silence) that must end as findings, never a hang."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sourcedoctor.model import Status
from tests.fixtures.dnsmasq import DnsmasqServer
from tests.fixtures.tls import Certificates
from tests.inlet.helpers import inlet_settings, one, run_plan, status_of
from tests.inlet.peer import INLET_ID, InletPeer
from tests.support import free_port


async def test_unknown_host_is_nxdomain_at_the_named_resolver(inlet: InletPeer, certs: Certificates,
                                                              dnsmasq: DnsmasqServer) -> None:
    report, _ = await run_plan(inlet_settings(
        inlet, certs, url=f"https://no-such-inlet.test/collection/{INLET_ID}", resolver=dnsmasq.resolver))
    assert one(report, "dns.nxdomain").evidence
    assert status_of(report, "stream.auth") == Status.SKIP


async def test_closed_port_is_tcp_refused(inlet: InletPeer, certs: Certificates) -> None:
    url = f"https://127.0.0.1:{free_port()}/collection/{INLET_ID}"
    report, _ = await run_plan(inlet_settings(inlet, certs, url=url))
    assert one(report, "tcp.refused").evidence["port"] > 0


class _HostileTls:
    """A TLS server that, after the handshake, answers ``reply`` (or nothing, holding the line)."""

    def __init__(self, cert: tuple[Path, Path], reply: bytes | None) -> None:
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(cert[0]), str(cert[1]))
        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        held: list[socket.socket] = []
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            try:
                tls = self.ctx.wrap_socket(conn, server_side=True)
                tls.settimeout(2)
                tls.recv(65536)
                if self.reply is not None:
                    tls.sendall(self.reply)
                    tls.close()
                else:
                    held.append(tls)  # silent: keep the connection open, answer nothing
            except OSError:
                conn.close()
        for s in held:
            s.close()
        self.sock.close()


@pytest.fixture
def hostile(certs: Certificates, request: pytest.FixtureRequest) -> Iterator[_HostileTls]:
    server = _HostileTls(certs.server("good"), request.param)
    yield server
    server.stop.set()
    server.thread.join(3)


@pytest.mark.parametrize("hostile", [b"SSH-2.0-OpenSSH_9.2\r\n" + b"\x00" * 64], indirect=True)
async def test_garbage_after_tls_is_an_unexpected_answer(inlet: InletPeer, certs: Certificates,
                                                         hostile: _HostileTls) -> None:
    url = f"https://127.0.0.1:{hostile.port}/collection/{INLET_ID}"
    report, _ = await run_plan(inlet_settings(inlet, certs, url=url))
    f = one(report, "stream.unexpected_answer")
    assert f.evidence["status"] is None and f.evidence["error"]


@pytest.mark.parametrize("hostile", [None], indirect=True)
async def test_silent_inlet_ends_within_the_budget(inlet: InletPeer, certs: Certificates,
                                                   hostile: _HostileTls) -> None:
    url = f"https://127.0.0.1:{hostile.port}/collection/{INLET_ID}"
    t0 = time.monotonic()
    report, _ = await run_plan(inlet_settings(inlet, certs, url=url), timeout=1.0)
    assert time.monotonic() - t0 < 8
    f = one(report, "stream.unexpected_answer")
    assert "no answer" in f.evidence["error"] or "timed out" in f.evidence["error"]
