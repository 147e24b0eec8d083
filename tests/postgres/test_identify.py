"""The shared protocol identification layer against real servers: PostgreSQL (the machine's and a
private one with TLS), MariaDB, OpenSSH, and the tiny FTP/HTTP/TLS/tarpit peers."""

from __future__ import annotations

import time

from sourcedoctor.checks.identify import classify, identify
from tests.fixtures.postgres import PrivateCluster
from tests.fixtures.sshd import SshdServer
from tests.fixtures.tls import Certificates

MARIADB_PORT = 3306
LOCAL_PG_PORT = 5432


async def test_postgres_without_tls_answers_n() -> None:
    found = await identify("127.0.0.1", LOCAL_PG_PORT, timeout=3, expect="postgresql")
    assert (found.protocol, found.detail, found.probe_sent) == ("postgresql", "N", True)


async def test_postgres_with_tls_answers_s(pg: PrivateCluster, certs: Certificates) -> None:
    pg.set_ssl(*certs.server("good"))
    found = await identify("127.0.0.1", pg.port, timeout=3, expect="postgresql")
    assert (found.protocol, found.detail) == ("postgresql", "S")


async def test_mariadb_greets_first_with_its_version() -> None:
    found = await identify("127.0.0.1", MARIADB_PORT, timeout=3, expect="postgresql")
    assert found.protocol == "mysql" and not found.probe_sent
    assert "MariaDB" in found.detail and "MariaDB" in found.banner


async def test_openssh_is_named(sshd: SshdServer) -> None:
    found = await identify("127.0.0.1", sshd.port, timeout=3, expect="postgresql")
    assert found.protocol == "ssh" and found.detail.startswith("SSH-2.0-OpenSSH")


async def test_ftp_http_tls_peers(peers) -> None:  # type: ignore[no-untyped-def]
    ftp = await identify("127.0.0.1", peers.ftp_greeting().port, timeout=3, expect="postgresql")
    http = await identify("127.0.0.1", peers.http_server().port, timeout=3, expect="http")
    tls = await identify("127.0.0.1", peers.tls_server().port, timeout=3, expect="tls")
    assert (ftp.protocol, http.protocol, tls.protocol) == ("ftp", "http", "tls")
    assert "ProFTPD" in ftp.banner and http.detail.startswith("HTTP/1.1 400")


async def test_tarpit_is_silent_within_the_timeout(peers) -> None:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    found = await identify("127.0.0.1", peers.tarpit().port, timeout=1.0, expect="postgresql")
    assert found.protocol == "silent" and found.probe_sent
    assert time.monotonic() - t0 < 1.6


def test_classify_bounds_and_mysql_error_packet() -> None:
    # MySQL's "Host is not allowed to connect" error packet (1130), sent before any handshake.
    packet = bytes([0x1C, 0, 0, 0, 0xFF]) + (1130).to_bytes(2, "little") + b"Host 'x' is not allowed"
    assert classify(packet) == ("mysql", "error 1130")
    assert classify(b"\x00" * 10)[0] == "unknown"
    assert classify(b"220 mail.example ESMTP Postfix\r\n")[0] == "smtp"
