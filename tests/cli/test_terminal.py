"""The CLI as a person runs it: stderr a terminal, so the live checklist and the rich text
summary are drawn (every other CLI test pipes stderr, where neither is drawn).

Seen before this test existed: ``sourcedoctor check sftp://…`` in a terminal ended in
"TypeError: '_StderrOnFirstUse' object does not support the context manager protocol" and
"lost sys.stderr", printing no verdict: the live display was handed the lazy stand-in for rich's
console instead of the console. Against real servers: OpenSSH's sshd and pyftpdlib.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import time
from pathlib import Path

import pytest

from tests.fixtures.ftpd import PASSWORD as FTP_PASSWORD
from tests.fixtures.ftpd import USER as FTP_USER
from tests.fixtures.ftpd import FtpServer
from tests.fixtures.keys import make_key
from tests.fixtures.sshd import USER, SshdServer

BROKEN = ("Traceback", "TypeError", "lost sys.stderr", "Exception ignored")


def in_terminal(*args: str, env: dict[str, str] | None = None,
                timeout: float = 90) -> tuple[int, str]:
    """Run ``sourcedoctor ARGS`` with a pseudo-terminal as stdin, stdout and stderr; its exit
    code and everything it wrote there. A CLI still running at ``timeout`` is killed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI with the pty as its terminal
        os.execvpe("sourcedoctor", ["sourcedoctor", *args],
                   {**os.environ, "COLUMNS": "120", **(env or {})})
    seen = b""
    status: int | None = None
    deadline = time.monotonic() + timeout
    try:
        while status is None and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                with contextlib.suppress(OSError):  # EIO: the child closed the terminal
                    seen += os.read(fd, 65536)
            reaped, code = os.waitpid(pid, os.WNOHANG)
            if reaped:
                status = code
        while select.select([fd], [], [], 0)[0]:  # what it wrote just before it ended
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if status is None:  # a hung CLI fails the test instead of hanging it
            os.kill(pid, signal.SIGKILL)
            status = os.waitpid(pid, 0)[1]
        os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


@pytest.fixture
def sftp_args(sshd: SshdServer, tmp_path: Path) -> list[str]:
    key = make_key(tmp_path, type="ed25519")
    sshd.authorize(USER, key.public_line)
    known = sshd.write_known_hosts(tmp_path / "known_hosts")
    return [f"sftp://{USER}@127.0.0.1:{sshd.port}/data", "--key", str(key.private),
            "--known-hosts", str(known), "--file", "customers.csv"]


@pytest.mark.sshd
@pytest.mark.parametrize("target", ["generic", "aep"])
def test_sftp_check_in_a_terminal(sftp_args: list[str], target: str) -> None:
    code, text = in_terminal("check", *sftp_args, "--target", target)
    assert not [b for b in BROKEN if b in text], text
    assert code == 0, text
    assert "passed" in text and "Client compatibility" in text, text


@pytest.mark.sshd
def test_failing_sftp_check_in_a_terminal(sshd: SshdServer, tmp_path: Path) -> None:
    stranger = make_key(tmp_path, type="ed25519")  # never authorized
    known = sshd.write_known_hosts(tmp_path / "known_hosts")
    code, text = in_terminal("check", f"sftp://{USER}@127.0.0.1:{sshd.port}/data", "--key",
                             str(stranger.private), "--known-hosts", str(known))
    assert not [b for b in BROKEN if b in text], text
    assert code == 1, text
    assert "auth.key_rejected" in text, text


@pytest.mark.sshd
def test_sftp_preview_in_a_terminal(sftp_args: list[str]) -> None:
    code, text = in_terminal("preview", *sftp_args)
    assert not [b for b in BROKEN if b in text], text
    assert code == 0, text
    assert "customers.csv" in text, text


def test_ftp_check_in_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ok.csv").write_bytes(b"id,name\n1,alpha\n2,beta\n")
    server = FtpServer(tmp_path, mode="plain").start()
    try:
        code, text = in_terminal("check", f"ftp://{FTP_USER}@127.0.0.1:{server.port}/in",
                                 "--password-env", "FTP_PW", env={"FTP_PW": FTP_PASSWORD})
    finally:
        server.stop()
    assert not [b for b in BROKEN if b in text], text
    assert code == 0, text
    assert "passed" in text, text
