"""Lake fixtures: lake files under tmp_path and a real in-process SFTP server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sourcedoctor.connectors.sftp.demo.server import DemoServer, ServerOptions
from tests.fixtures.embedded import ThreadedServer

SFTP_USER = "alice"
SFTP_PASSWORD = "lake-Pw-7781"


@pytest.fixture
def lake_path(tmp_path: Path) -> Path:
    return tmp_path / "lake" / "lake.duckdb"


@dataclass
class SftpServer:
    host: str
    port: int
    root: Path
    fingerprint: str

    def url(self, folder: str = "inbound") -> str:
        return f"sftp://{SFTP_USER}@{self.host}:{self.port}/{folder}"


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[SftpServer]:
    """The embedded SFTP server on 127.0.0.1:0, password auth, chrooted to tmp_path/'sftp-root',
    running in its own thread/event loop so both async tests and CLI subprocesses can use it."""
    root = tmp_path / "sftp-root"
    (root / "inbound").mkdir(parents=True)
    options = ServerOptions(users={SFTP_USER: SFTP_PASSWORD}, auth_methods=("password",))
    with ThreadedServer(DemoServer(options=options, root=root)) as server:
        yield SftpServer("127.0.0.1", server.port, root, server.fingerprint)
