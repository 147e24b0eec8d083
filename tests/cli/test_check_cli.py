"""``sourcedoctor check`` and ``demo`` as a user runs them: a subprocess, exit codes, streams."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.sshd import TEST_PASSWORD, USER

CANARY_PW = "Canary-Pw-9f3e1c77"
CANARY_PHRASE = "Canary-Phrase-55aa01"


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120", **(env or {})}
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=full_env,
                          input=stdin, timeout=timeout, check=False)


def sshd_url(server, folder: str = "data") -> list[str]:  # type: ignore[no-untyped-def]
    return [f"sftp://{USER}@127.0.0.1:{server.port}/{folder}", "--file", "customers.csv",
            "--host-key-fingerprint", ",".join(server.fingerprints.values())]


@pytest.mark.sshd
def test_pass_exit_0_and_json_only_on_stdout(sshd) -> None:
    proc = run("check", *sshd_url(sshd), "--password-env", "PW", "--format", "json",
               env={"PW": TEST_PASSWORD})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)  # nothing but JSON on stdout
    assert report["verdict"] == "pass" and report["root_cause"] is None
    assert report["schema"] == "sourcedoctor.report/1"
    assert TEST_PASSWORD not in proc.stdout + proc.stderr
    assert "--password-env SFTP_PASSWORD" in report["command"]


@pytest.mark.sshd
def test_fail_exit_1_with_root_cause_and_no_secret_anywhere(sshd, keygen, tmp_path: Path) -> None:
    key = keygen(type="ed25519", passphrase=CANARY_PHRASE)
    out = tmp_path / "report.json"
    proc = run("check", *sshd_url(sshd), "--password-env", "PW", "--key", str(key.private),
               "--passphrase-env", "PP", "--format", "json", "--output", str(out),
               env={"PW": CANARY_PW, "PP": CANARY_PHRASE})
    assert proc.returncode == 1, proc.stderr
    data = out.read_text()
    report = json.loads(data)
    assert report["root_cause"]["code"] == "auth.key_rejected"
    for blob in (proc.stdout, proc.stderr, data):
        assert CANARY_PW not in blob and CANARY_PHRASE not in blob


@pytest.mark.sshd
def test_password_stdin_and_text_output(sshd) -> None:
    proc = run("check", *sshd_url(sshd, "nope"), "--password-stdin", stdin=TEST_PASSWORD + "\n")
    assert proc.returncode == 1
    assert proc.stdout == ""  # text mode: the human report goes to stderr
    assert "path.not_found" in proc.stderr and "Root cause" in proc.stderr
    assert TEST_PASSWORD not in proc.stderr


def test_config_error_exit_2_names_the_field() -> None:
    proc = run("check", "sftp://bob@bad host/x", "--no-prompt")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr
    proc = run("check", "sftp://bob@h:70000", "--format", "json", "--no-prompt")
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["root_cause"]["code"] == "config.invalid"


def test_missing_env_var_is_a_usage_error() -> None:
    proc = run("check", "sftp://bob@127.0.0.1", "--password-env", "NOT_SET_ANYWHERE")
    assert proc.returncode == 2 and "password" in proc.stderr and "NOT_SET_ANYWHERE" in proc.stderr


def test_password_in_url_warns_and_is_never_echoed(peers) -> None:
    port = peers.refused_port().port
    proc = run("check", f"sftp://bob:{CANARY_PW}@127.0.0.1:{port}/x", "--format", "json")
    assert proc.returncode == 1
    assert "warning: a password in the URL" in proc.stderr
    assert CANARY_PW not in proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["root_cause"]["code"] == "tcp.refused"


def test_interrupt_gives_130_and_partial_report(peers, tmp_path: Path) -> None:
    tarpit = peers.tarpit()
    out = tmp_path / "r.json"
    proc = subprocess.Popen(
        ["sourcedoctor", "check", f"sftp://bob@127.0.0.1:{tarpit.port}/x", "--no-prompt",
         "--timeout", "30", "--format", "json", "--output", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while not tarpit.connections and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=10)
    assert proc.returncode == 130
    assert time.monotonic() - t0 < 2.0
    report = json.loads(out.read_text())
    assert report["interrupted"] is True
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["tcp.connect"] == "pass" and statuses["ssh.banner"] == "skip"


def test_demo_plain_passes_and_fault_fails() -> None:
    ok = run("demo", "--plain")
    assert ok.returncode == 0, ok.stderr
    assert "✓" in ok.stderr
    bad = run("demo", "--plain", "--fault", "shell-noise")
    assert bad.returncode == 1
    assert "sftp.shell_noise" in bad.stderr


def test_help_lists_every_command() -> None:
    proc = run("--help")
    for name in ("check", "key", "preview", "ingest", "lake", "report", "demo"):
        assert name in proc.stdout
    assert sys.executable  # the console script is the installed one
