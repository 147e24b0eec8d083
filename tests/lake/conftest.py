"""Lake fixtures: lake files under tmp_path and a real in-process SFTP server."""

from __future__ import annotations

import asyncio
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from tests.support import require_binary

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


class _PasswordServer(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == SFTP_USER and password == SFTP_PASSWORD


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[SftpServer]:
    """asyncssh SFTP server on 127.0.0.1:0, password auth, chrooted to tmp_path/'sftp-root',
    running in its own thread/event loop so both async tests and CLI subprocesses can use it."""
    keygen = require_binary("ssh-keygen")
    key_file = tmp_path / "host_ed25519"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key_file)], check=True)
    root = tmp_path / "sftp-root"
    (root / "inbound").mkdir(parents=True)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            server = await asyncssh.listen(
                "127.0.0.1",
                0,
                server_factory=_PasswordServer,
                server_host_keys=[str(key_file)],
                sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
                allow_scp=False,
            )
            holder["server"] = server
            ready.set()

        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10), "SFTP server did not start"
    server = holder["server"]
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    fingerprint = asyncssh.read_private_key(str(key_file)).get_fingerprint("sha256")
    try:
        yield SftpServer("127.0.0.1", int(port), root, fingerprint)
    finally:

        async def stop() -> None:
            server.close()  # type: ignore[attr-defined]
            await server.wait_closed()  # type: ignore[attr-defined]

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
