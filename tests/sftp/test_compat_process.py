"""paramiko's negotiation in the child process the CLI starts early (connectors/sftp/compat_process).

Against real sshd servers: the child's row is the very row a paramiko key exchange in this
process produces, for a server paramiko can talk to and one it cannot; a child that has not said
``ready`` (a real process that never will) is ended and the row is still really negotiated, in a
thread; the child runs at its parent's priority and ends when its parent goes; ``sourcedoctor
check`` as a program starts the child only when the compatibility layer will use it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sourcedoctor.cli import _prestart_compat
from sourcedoctor.connectors.sftp import compat, compat_process
from tests.fixtures.keys import make_key
from tests.fixtures.sshd import USER, SshdServer

pytestmark = pytest.mark.sshd

ONLY_CHACHA = {"Ciphers": "chacha20-poly1305@openssh.com"}  # paramiko has no chacha20


@pytest.fixture(autouse=True)
def no_leftover_child() -> Iterator[None]:
    yield
    child, compat_process._child = compat_process._child, None
    if child is not None:
        child.kill()
        child.wait(10)


def ready_child() -> subprocess.Popen[bytes]:
    """Start the child and wait (up to 60 s: a busy CI machine) until it has said ``ready``."""
    compat_process.prestart()
    child = compat_process._child
    assert child is not None and child.stdout is not None
    said, _, _ = select.select([child.stdout], [], [], 60)
    assert said, "the compatibility process never said ready"
    return child


@pytest.mark.parametrize("options", [None, ONLY_CHACHA], ids=["default", "chacha20-only"])
async def test_child_row_is_paramikos_own_negotiation(sshd_factory, options) -> None:
    server = sshd_factory(options=options)
    child = ready_child()
    row = await compat_process.negotiate("127.0.0.1", server.port, 10.0)
    assert compat_process.last_ran_in == "process"
    here = compat.paramiko_negotiate("127.0.0.1", server.port, 10.0)
    assert row.method == here.method == "negotiated"
    assert row.agreed == here.agreed and row.label == here.label
    assert bool(row.error) == bool(here.error) == (options is not None)
    if options is not None:
        assert row.agreed["cipher"] is None and "cipher" in row.error.lower()
    assert child.wait(10) == 0  # it answered once and ended by itself


def test_child_runs_at_the_parents_priority() -> None:
    """Not SCHED_IDLE, not niced: a process cannot leave SCHED_IDLE without privilege, so a child
    demoted for its import would also run the key exchange starved, and with every core busy the
    layer waited over a second for it (bench/sftp_check.py --busy 2)."""
    child = ready_child()
    assert os.sched_getscheduler(child.pid) == os.sched_getscheduler(0)
    assert (os.getpriority(os.PRIO_PROCESS, child.pid)
            == os.getpriority(os.PRIO_PROCESS, 0))


def never_ready() -> subprocess.Popen[bytes]:
    """A real process that never says "ready", standing where the child would be."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)


async def test_child_not_ready_is_ended_and_the_row_still_negotiated(sshd) -> None:
    stalled = never_ready()
    compat_process._child = stalled
    row = await compat_process.negotiate("127.0.0.1", sshd.port, 10.0)
    assert compat_process.last_ran_in == "thread"
    assert row.method == "negotiated" and row.ok and row.agreed["kex"] not in (None, "?")
    assert stalled.wait(10) != 0  # ended, not left behind


def test_child_ends_with_its_parent() -> None:
    child = ready_child()
    compat_process._child = None
    assert child.stdin is not None
    child.stdin.close()  # what the kernel does when the parent exits, however it exits
    assert child.wait(10) == 0


async def test_child_ignores_modules_in_the_working_directory(sshd, tmp_path, monkeypatch) -> None:
    (tmp_path / "paramiko.py").write_text("raise SystemExit('the working directory was imported')")
    monkeypatch.chdir(tmp_path)
    ready_child()
    row = await compat_process.negotiate("127.0.0.1", sshd.port, 10.0)
    assert compat_process.last_ran_in == "process" and row.ok


def test_paramiko_loads_without_invoke_in_the_child() -> None:
    code = ("import sys; from sourcedoctor.connectors.sftp.compat_process import import_paramiko;"
            "import_paramiko(); print(sorted(m for m in ('paramiko', 'invoke') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert out.strip() == "['paramiko']"


@pytest.mark.parametrize(("args", "starts"), [
    (["sftp://bob@127.0.0.1/in"], True),
    (["--max-connections", "3", "sftp://bob@127.0.0.1/in"], True),
    (["sftp://bob@127.0.0.1/in", "--max-connections", "1"], False),
    (["sftp://bob@127.0.0.1/in", "--max-connections=1"], False),
    (["sftp://bob@127.0.0.1/in", "--help"], False),
    (["s3://bucket/in"], False),
])
def test_started_only_when_the_layer_will_use_it(monkeypatch, args, starts) -> None:
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/sourcedoctor", "check", *args])
    _prestart_compat(args)
    assert (compat_process._child is not None) is starts


def test_not_started_by_a_library_caller(monkeypatch) -> None:
    monkeypatch.setattr(sys, "argv", ["pytest"])
    _prestart_compat(["sftp://bob@127.0.0.1/in"])
    assert compat_process._child is None


def test_check_program_reports_a_negotiated_paramiko_row(sshd: SshdServer, tmp_path) -> None:
    key = make_key(tmp_path, type="ed25519")
    sshd.authorize(USER, key.public_line)
    known = sshd.write_known_hosts(tmp_path / "known_hosts")
    proc = subprocess.run(
        ["sourcedoctor", "check", f"sftp://{USER}@127.0.0.1:{sshd.port}/data", "--key",
         str(key.private), "--known-hosts", str(known), "--file", "customers.csv", "--format",
         "json", "--no-prompt"],
        capture_output=True, text=True, timeout=120, check=False)
    report = json.loads(proc.stdout)
    assert report["verdict"] == "pass", proc.stderr
    compat_check = next(c for c in report["checks"] if c["id"] == "ssh.compat")
    row = next(r for r in compat_check["facts"]["matrix"] if r["stack"] == "paramiko")
    assert row["method"] == "negotiated" and row["ok"] and row["agreed"]["kex"] != "?"
    assert dataclasses.asdict(compat.paramiko_negotiate("127.0.0.1", sshd.port, 10.0))[
        "agreed"] == row["agreed"]


def _processes_marked(mark: str) -> list[int]:
    """PIDs of live processes whose environment holds ``SD_CHILD_MARK=mark``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"SD_CHILD_MARK={mark}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # ended meanwhile, or not ours to read
                continue
    return found


def test_an_unused_child_ends_with_the_program() -> None:
    """A run that stops before the compatibility layer (port refused) leaves no paramiko child
    behind: the program ends it on its way out, not the child noticing later."""
    mark = uuid.uuid4().hex
    proc = subprocess.run(
        ["sourcedoctor", "check", "sftp://bob@127.0.0.1:1/in", "--password-env", "CHILD_PW",
         "--format", "json", "--timeout", "3"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "CHILD_PW": "x", "SD_CHILD_MARK": mark})
    assert json.loads(proc.stdout)["root_cause"]["code"] == "tcp.refused", proc.stderr
    assert _processes_marked(mark) == []
