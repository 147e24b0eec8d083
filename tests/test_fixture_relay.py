"""Proofs for the latency relay and the slow/short banner peers (as tests/test_fixtures.py does for
the other fixtures): each does what the SSH tests rely on."""

from __future__ import annotations

import socket
import time

from tests.fixtures import peers
from tests.fixtures.relay import LatencyRelay


def _dial(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=3)


def _read(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n and (chunk := sock.recv(4096)):
        data += chunk
    return data


def test_relay_adds_its_round_trip_and_counts_turns() -> None:
    with peers.http_server() as server, LatencyRelay(server.port, rtt=0.2) as relay:
        with _dial(relay.port) as sock:
            started = time.monotonic()
            sock.sendall(b"GET / HTTP/1.0\r\n")
            answer = _read(sock, len(peers.HTTP_REPLY))
            elapsed = time.monotonic() - started
        assert answer == peers.HTTP_REPLY
        assert elapsed >= 0.2  # a lower bound: the delay is there (not a speed measurement)
        assert relay.round_trips == 1
        assert relay.connections == 1


def test_relay_greeting_comes_before_the_server_bytes() -> None:
    with peers.ftp_greeting() as server, \
            LatencyRelay(server.port, rtt=0.0, greeting=b"hello\r\n") as relay, \
            _dial(relay.port) as sock:
        data = _read(sock, len(b"hello\r\n") + len(peers.FTP_GREETING))
    assert data == b"hello\r\n" + peers.FTP_GREETING


def test_dribble_sends_one_byte_at_a_time() -> None:
    with peers.dribble(b"SSH-2.0-x\r\n", interval=0.1) as peer, _dial(peer.port) as sock:
        first = sock.recv(4096)
        time.sleep(0.25)
        later = sock.recv(4096)
    assert first == b"S"
    assert 1 <= len(later) <= 4 and b"SSH-2.0-x".startswith(first + later)


def test_send_then_close() -> None:
    with peers.send_then_close(b"SSH-2.0-Op") as peer, _dial(peer.port) as sock:
        assert _read(sock, 100) == b"SSH-2.0-Op"


def test_relay_keeps_the_answer_after_the_client_half_closes() -> None:
    # The HTTP peer answers after reading a line; the client half-closes right after sending it.
    with peers.http_server() as server, LatencyRelay(server.port, rtt=0.1) as relay, \
            _dial(relay.port) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n")
        sock.shutdown(socket.SHUT_WR)
        assert _read(sock, len(peers.HTTP_REPLY)) == peers.HTTP_REPLY
