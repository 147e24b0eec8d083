"""Fixtures for the preview tests: a data folder, served locally and by a real in-process SFTP
server (asyncssh, chrooted to the folder, on 127.0.0.1 port 0)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncssh
import pytest

from sourcedoctor.sources.base import FileSource
from sourcedoctor.sources.local import LocalSource
from sourcedoctor.sources.sftp import SftpSource

USER, PASSWORD = "reader", "s3cret-pw"


class _PasswordServer(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USER and password == PASSWORD


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def host_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


@asynccontextmanager
async def serve_sftp(root: Path, host_key: asyncssh.SSHKey) -> AsyncIterator[SftpSource]:
    """A real asyncssh SFTP server chrooted to ``root`` and a client on it, as an SftpSource."""
    server = await asyncssh.listen(
        "127.0.0.1", 0, server_host_keys=[host_key], server_factory=_PasswordServer,
        sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
        allow_scp=False)
    port = server.sockets[0].getsockname()[1]
    try:
        async with asyncssh.connect("127.0.0.1", port, username=USER, password=PASSWORD,
                                    known_hosts=None) as conn, conn.start_sftp_client() as client:
            yield SftpSource(client)
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def sftp_source(data_dir: Path, host_key: asyncssh.SSHKey) -> AsyncIterator[SftpSource]:
    async with serve_sftp(data_dir, host_key) as src:
        yield src


@pytest.fixture(params=["local", "sftp"])
async def source(request: pytest.FixtureRequest, data_dir: Path,
                 host_key: asyncssh.SSHKey) -> AsyncIterator[FileSource]:
    """The data folder as a FileSource: LocalSource, or SftpSource over the real server."""
    if request.param == "local":
        yield LocalSource(data_dir)
        return
    async with serve_sftp(data_dir, host_key) as src:
        yield src
