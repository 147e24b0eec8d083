"""End to end: the real ``sourcedoctor`` console script in a real terminal (tmux), driven by keys.

Skips where tmux is absent, fails under CI=true (tests/support.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import require_binary


class Tmux:
    """One detached tmux session running a command; read the screen, send keys."""

    def __init__(self, tmux: str, name: str) -> None:
        self.tmux = tmux
        self.name = name

    def run(self, *args: str) -> str:
        return subprocess.run([self.tmux, *args], check=True, capture_output=True, text=True,
                              timeout=10).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not on screen after {timeout:g} s:\n{screen}")


@pytest.fixture
def tmux_app(tmp_path: Path) -> Iterator[Tmux]:
    tmux = require_binary("tmux")
    script = shutil.which("sourcedoctor")
    if script is None:
        pytest.fail("the sourcedoctor console script is not installed (pip install -e .)")
    name = f"sd-{uuid.uuid4().hex[:8]}"
    env_file = tmp_path / "env.sh"
    # A private HOME/XDG so the test never reads or writes the user's profiles.
    env_file.write_text(
        f"export HOME={tmp_path} XDG_CONFIG_HOME={tmp_path}/config XDG_DATA_HOME={tmp_path}/data "
        "TERM=xterm-256color NO_COLOR=1\n")
    command = f". {env_file}; cd {tmp_path}; {script}; echo EXITED-$?; sleep 30"
    subprocess.run([tmux, "new-session", "-d", "-s", name, "-x", "100", "-y", "30", command],
                   check=True, timeout=10, env={**os.environ, "TMUX": ""})
    session = Tmux(tmux, name)
    try:
        yield session
    finally:
        subprocess.run([tmux, "kill-session", "-t", name], capture_output=True, timeout=10)


def test_demo_fault_from_palette_to_root_cause_and_quit(tmux_app: Tmux) -> None:
    screen = tmux_app.wait_for("New: SFTP server")
    assert "New: Amazon S3" in screen  # one entry per installed connector
    # Every action is in the command palette: start the demo server with a named fault.
    tmux_app.keys("C-p")
    tmux_app.wait_for("Search for commands")
    tmux_app.keys("-l", "Demo: wrong-password")
    time.sleep(0.5)
    tmux_app.keys("Enter")
    screen = tmux_app.wait_for("Demo server on 127.0.0.1")
    assert "wrong-password" in screen
    tmux_app.keys("C-r")
    screen = tmux_app.wait_for("auth.password_rejected")
    assert "✗" in screen and "✓" in screen  # symbols, not only colours
    tmux_app.keys("e")
    screen = tmux_app.wait_for("Target platform")
    assert "auth.password_rejected" not in screen  # back on the form
    tmux_app.keys("C-q")
    tmux_app.wait_for("EXITED-0", timeout=15)
