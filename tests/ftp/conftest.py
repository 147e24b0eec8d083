"""FTP peers for the FTP connector's tests: pyftpdlib in-process (plain, explicit and implicit
FTPS with trustme certificates), hostile raw servers, and a seeded read-only folder tree."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.ftpd import FtpServer, HostileFtp
from tests.fixtures.tls import Certificates

CSV = b"id,name,amount\n1,alpha,3.5\n2,beta,4\n3,gamma,5.25\n"
CSV_2024 = b"id,name,amount\n4,delta,1\n5,epsilon,2\n"


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A trustme CA (``ca_pem``) and server certificates of each kind."""
    return Certificates(tmp_path_factory.mktemp("ftp-tls"))


@pytest.fixture(scope="session")
def ftp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """in/sales.csv, in/daily/2024.csv, empty/, locked/x.csv, a_file.csv."""
    root = tmp_path_factory.mktemp("ftp-root")
    (root / "in" / "daily").mkdir(parents=True)
    (root / "in" / "sales.csv").write_bytes(CSV)
    (root / "in" / "daily" / "2024.csv").write_bytes(CSV_2024)
    (root / "empty").mkdir()
    (root / "locked").mkdir()
    (root / "locked" / "x.csv").write_bytes(CSV)
    (root / "a_file.csv").write_bytes(CSV)
    return root


@pytest.fixture
def ftpd(ftp_root: Path, certs: Certificates) -> Iterator[Callable[..., FtpServer]]:
    """``ftpd(mode="plain"|"explicit"|"implicit", cert_kind="good", **FtpServer options)``:
    a started server, stopped at teardown."""
    started: list[FtpServer] = []

    def factory(mode: str = "plain", cert_kind: str = "good", **options: Any) -> FtpServer:
        cert = certs.server(cert_kind) if mode != "plain" else None
        server = FtpServer(ftp_root, mode=mode, cert=cert, **options).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def hostile() -> Iterator[Callable[[bytes | str], HostileFtp]]:
    """``hostile(payload)``: a raw server sending ``payload`` (or ``"endless"``)."""
    started: list[HostileFtp] = []

    def factory(payload: bytes | str) -> HostileFtp:
        server = HostileFtp(payload).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()
