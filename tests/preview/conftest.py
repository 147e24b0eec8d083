"""Fixtures for the preview tests: a data folder, served locally and by a real in-process SFTP
server (asyncssh, chrooted to the folder, on 127.0.0.1 port 0)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncssh
import pytest

from sourcedoctor.connectors.sftp.demo.server import DemoServer, ServerOptions
from sourcedoctor.connectors.sftp.source import SftpSource
from sourcedoctor.sources.base import FileSource
from sourcedoctor.sources.local import LocalSource

USER, PASSWORD = "reader", "s3cret-pw"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@asynccontextmanager
async def serve_sftp(root: Path) -> AsyncIterator[SftpSource]:
    """The embedded SFTP server chrooted to ``root`` and a client on it, as an SftpSource."""
    options = ServerOptions(users={USER: PASSWORD}, auth_methods=("password",))
    async with DemoServer(options=options, root=root) as server:
        trusted = ([server.host_key.convert_to_public()], [], [])
        async with asyncssh.connect("127.0.0.1", server.port, username=USER, password=PASSWORD,
                                    known_hosts=trusted) as conn, conn.start_sftp_client() as client:
            yield SftpSource(client)


@pytest.fixture
async def sftp_source(data_dir: Path) -> AsyncIterator[SftpSource]:
    async with serve_sftp(data_dir) as src:
        yield src


@pytest.fixture(params=["local", "sftp"])
async def source(request: pytest.FixtureRequest, data_dir: Path) -> AsyncIterator[FileSource]:
    """The data folder as a FileSource: LocalSource, or SftpSource over the real server."""
    if request.param == "local":
        yield LocalSource(data_dir)
        return
    async with serve_sftp(data_dir) as src:
        yield src
