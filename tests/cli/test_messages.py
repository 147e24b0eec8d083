"""Messages that said the wrong thing (issue 11 §10), each with the real input: a local path, a
real SFTP server, a character device, a FIFO, a folder of more names than the counting budget,
the demo's faults, and key paths that are not files."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from sourcedoctor import api
from sourcedoctor.exitcodes import ExitCode
from sourcedoctor.sources.local import LocalSource
from tests.conftest import Peers
from tests.lake.conftest import SFTP_PASSWORD, SftpServer, lake_path, sftp_server

__all__ = ["lake_path", "sftp_server"]  # fixtures reused from the lake tests, not copied

ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True,
                          env={**ENV, **(env or {})}, timeout=timeout, check=False)


def _fix_steps(result: dict[str, object]) -> list[str]:
    findings = list(result["findings"])  # type: ignore[call-overload]
    for sample in result["samples"]:  # type: ignore[attr-defined]
        findings += sample["findings"]
    return [step for f in findings for step in f["fix"]]


def test_preview_of_a_missing_local_path_has_no_unfilled_template(tmp_path: Path) -> None:
    for args in ([str(tmp_path / "nope.csv")], [str(tmp_path), "--file", "nope.csv"]):
        proc = run("preview", *args, "--format", "json")
        assert proc.returncode == ExitCode.FAILED, proc.stderr
        result = json.loads(proc.stdout)
        codes = [f["code"] for f in result["findings"]]
        assert codes[-1] == "path.not_found"
        steps = _fix_steps(result)
        assert steps and not [s for s in steps if PLACEHOLDER.search(s)], steps
        # A local path is not on an SFTP server: the fix is about this machine.
        assert not any("sftp {" in s or "@{host}" in s for s in steps)


def test_refused_sftp_ingest_names_a_url_that_preview_can_open(
        sftp_server: SftpServer, lake_path: Path) -> None:
    (sftp_server.root / "inbound" / "wide.csv").write_bytes("id,n\n1,Zoë\n".encode("utf-16"))
    pw = {"MSG_TEST_PW": SFTP_PASSWORD}
    common = ["--password-env", "MSG_TEST_PW", "--host-key-fingerprint", sftp_server.fingerprint]
    proc = run("ingest", sftp_server.url(), "--dataset", "w", "--lake", str(lake_path),
               "--format", "json", *common, env=pw)
    assert proc.returncode == ExitCode.FAILED, proc.stderr
    refused = json.loads(proc.stdout)
    assert [f["code"] for f in refused["findings"]] == ["data.encoding"]
    assert "inbound//inbound" not in refused["refused"]  # the folder once, not twice
    command = shlex.split(refused["preview_command"])
    assert command[:2] == ["sourcedoctor", "preview"]
    again = run(*command[1:], "--format", "json", *common, env=pw)
    shown = json.loads(again.stdout)
    codes = [f["code"] for f in shown["findings"]]
    assert "path.not_found" not in codes, again.stderr
    # The command opens the refused file itself: the sample shows why the lake refused it.
    assert [(s["path"].rsplit("/", 1)[-1], s["encoding"]) for s in shown["samples"]] == [
        ("wide.csv", "utf-16-le")]


@pytest.mark.parametrize("make", ["device", "fifo", "socket"])
def test_ingest_of_a_special_file_says_what_it_is(make: str, tmp_path: Path) -> None:
    if make == "device":
        path, kind = Path("/dev/zero"), "character device"
    elif make == "fifo":
        path, kind = tmp_path / "pipe", "FIFO"
        os.mkfifo(path)
    else:
        import socket

        path, kind = tmp_path / "sock", "socket"
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
    proc = run("ingest", str(path), "--dataset", "d", "--lake", str(tmp_path / "l.duckdb"))
    assert proc.returncode == ExitCode.USAGE
    assert kind in proc.stderr and "does not exist" not in proc.stderr, proc.stderr
    assert not (tmp_path / "l.duckdb").exists()


def _folder(root: Path, count: int) -> Path:
    root.mkdir()
    for i in range(count):
        (root / f"f{i:05}.csv").touch()
    return root


async def test_a_listing_says_when_its_count_is_a_floor(tmp_path: Path) -> None:
    """Counting stops at 10x the cap: then the number left out is "at least", and says so."""
    source = LocalSource()
    many = await source.list(str(_folder(tmp_path / "many", 1_500)), limit=100)
    assert (len(many.entries), many.truncated, many.counting_stopped) == (100, 900, True)
    few = await source.list(str(_folder(tmp_path / "few", 150)), limit=100)
    assert (len(few.entries), few.truncated, few.counting_stopped) == (100, 50, False)
    proc = run("preview", str(tmp_path / "many"), "--max-entries", "100", "--format", "json")
    shown = json.loads(proc.stdout)
    assert (shown["left_out"], shown["left_out_at_least"]) == (900, True)


async def test_an_sftp_listing_says_when_its_count_is_a_floor(sftp_server: SftpServer) -> None:
    for i in range(1_200):
        (sftp_server.root / "inbound" / f"f{i:05}.csv").touch()
    settings = api.sftp_settings(sftp_server.url(), password=SFTP_PASSWORD,
                                 host_key_fingerprint=sftp_server.fingerprint)
    async with api.open_sftp_source(settings, timeout=10) as opened:
        listing = await opened.source.list(opened.folder, limit=100)
    assert (listing.truncated, listing.counting_stopped) == (900, True)


@pytest.mark.parametrize(("fault", "code"), [("utf16-file", "data.encoding"),
                                             ("kbdint-only", "auth.keyboard_interactive_only")])
def test_demo_faults_show_the_finding_they_promise(fault: str, code: str) -> None:
    listed = run("demo", "--list-faults").stdout
    promise = next(line for line in listed.splitlines() if line.startswith(fault))
    assert code in promise
    proc = run("demo", "--plain", "--fault", fault)
    assert proc.returncode == ExitCode.FAILED, proc.stderr
    assert code in proc.stderr


@pytest.mark.parametrize("kind", ["dir", "fifo", "device"])
def test_check_key_that_is_not_a_file_is_a_usage_error_like_key_inspect(
        kind: str, tmp_path: Path, peers: Peers) -> None:
    if kind == "dir":
        key = tmp_path
    elif kind == "fifo":
        key = tmp_path / "pipe"
        os.mkfifo(key)
    else:
        key = Path("/dev/zero")
    port = peers.refused_port().port
    check = run("check", f"sftp://u@127.0.0.1:{port}/x", "--key", str(key), "--no-prompt",
                timeout=60)
    inspect = run("key", "inspect", str(key), timeout=60)
    assert check.returncode == inspect.returncode == ExitCode.USAGE, check.stderr + inspect.stderr


def test_error_lines_show_control_characters_instead_of_obeying_them(
        tmp_path: Path, peers: Peers) -> None:
    """A file name or a value with an escape sequence reaches the error line escaped."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "\x1b[2J\x1b[31mEVIL.csv").write_bytes("a,b\n1,2\n".encode("utf-16"))
    refused = run("ingest", str(folder), "--dataset", "e", "--lake", str(tmp_path / "l.duckdb"))
    assert refused.returncode == ExitCode.FAILED, refused.stderr
    port = peers.refused_port().port
    usage = run("check", f"sftp://u@127.0.0.1:{port}/x", "--password-env", "\x1b]0;pwned\x07")
    assert usage.returncode == ExitCode.USAGE
    for proc in (refused, usage):
        assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr, proc.stderr
        assert "\\x1b" in proc.stderr  # shown, so the user still sees what is there
