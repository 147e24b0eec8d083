"""Keys whose own key-derivation cost is inside our limits but slow: the tool still ends on time.

Real keys: ``ssh-keygen -a 1000`` (bcrypt rounds) and ``puttygen --ppk-param memory=…,passes=…``
(Argon2). A 256 MiB × 1000-pass PPK would take puttygen itself many minutes to write, so that file
is a puttygen key with a smaller pass count whose ``Argon2-Passes`` header then says 1000: the
cost a reader faces is the header's, and the tool must decide from it without starting.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from sourcedoctor.keys import inspect_key
from sourcedoctor.keys.detect import detect
from sourcedoctor.keys.kdf_cost import estimate
from sourcedoctor.keys.kdf_worker import load_in_child
from sourcedoctor.keys.normalize import normalize
from tests.fixtures.keys import KeyFiles, make_key, make_ppk

PASS = "slow-kdf-pass"
#: Start-up of a `sourcedoctor` process on a busy CI machine, on top of any budget.
SLACK = 12.0
_CACHE = Path(tempfile.gettempdir()) / "sdt-slowkeys"


@pytest.fixture(scope="module")
def bcrypt_1000() -> Path:
    """``ssh-keygen -a 1000`` ed25519 key: ssh-keygen spends as long writing it as a reader will
    reading it (10-40 s), so it is made once per machine and kept (it protects nothing)."""
    _CACHE.mkdir(mode=0o700, exist_ok=True)
    key = _CACHE / "ed25519_a1000"
    if not key.exists():
        scratch = Path(tempfile.mkdtemp(prefix="new-", dir=_CACHE))
        try:
            made = make_key(scratch, passphrase=PASS, kdf_rounds=1000, name="k")
            os.replace(made.private, key)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return key


@pytest.fixture(scope="module")
def plain_key(tmp_path_factory: pytest.TempPathFactory) -> KeyFiles:
    return make_key(tmp_path_factory.mktemp("plain"), type="ed25519")


@pytest.fixture(scope="module")
def argon2_4_passes(plain_key: KeyFiles, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PPK v3, Argon2id 256 MiB × 4 passes: a few seconds, over the in-process threshold."""
    out = tmp_path_factory.mktemp("ppk") / "argon2_4.ppk"
    return make_ppk(plain_key.private, out, passphrase=PASS, ppk_params="memory=262144,passes=4")


@pytest.fixture(scope="module")
def argon2_1000_passes(argon2_4_passes: Path) -> Path:
    out = argon2_4_passes.with_name("argon2_1000.ppk")
    text = argon2_4_passes.read_text()
    assert "Argon2-Passes: 4\n" in text
    out.write_text(text.replace("Argon2-Passes: 4\n", "Argon2-Passes: 1000\n"))
    return out


def _sourcedoctor(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.monotonic()
    proc = subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SLOW_KDF_PASS": PASS})
    return proc, time.monotonic() - t0


def _timeout_finding(findings: list[dict]) -> dict:  # type: ignore[type-arg]
    (finding,) = [f for f in findings if f["code"] == "check.timeout"]
    return finding


def test_the_cost_is_estimated_from_the_file(bcrypt_1000: Path, argon2_1000_passes: Path) -> None:
    bcrypt = estimate(detect(bcrypt_1000.read_text()))
    argon2 = estimate(detect(argon2_1000_passes.read_text()))
    assert bcrypt is not None and bcrypt.kdf == "bcrypt" and bcrypt.work == "1000 rounds"
    assert argon2 is not None and argon2.kdf == "Argon2id"
    assert argon2.work == "262144 KiB x 1000 passes"
    assert argon2.seconds > 60  # minutes on any machine


def test_key_inspect_does_not_start_a_derivation_it_cannot_finish(
    argon2_1000_passes: Path,
) -> None:
    proc, took = _sourcedoctor("key", "inspect", str(argon2_1000_passes), "--passphrase-env",
                               "SLOW_KDF_PASS", "--format", "json")
    assert took < SLACK, proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    evidence = _timeout_finding(report["findings"])["evidence"]
    assert evidence["estimated_s"] > evidence["budget_s"]
    assert evidence["abandoned_after_s"] is None  # decided from the estimate, never started


def test_key_inspect_of_a_bcrypt_1000_key_ends_within_its_budget(bcrypt_1000: Path) -> None:
    from sourcedoctor.keys.inspect import KDF_BUDGET_S

    proc, took = _sourcedoctor("key", "inspect", str(bcrypt_1000), "--passphrase-env",
                               "SLOW_KDF_PASS", "--format", "json")
    assert took < KDF_BUDGET_S + SLACK, proc.stderr
    report = json.loads(proc.stdout)
    # A fast machine decrypts it inside the budget; a slow one says how long it would take.
    codes = [f["code"] for f in report["findings"]]
    assert report["usable"] or "check.timeout" in codes, codes


def test_check_ends_promptly_with_a_bcrypt_1000_key(bcrypt_1000: Path) -> None:
    # Port 1 on loopback refuses at once: only the key layer can take time in this run.
    proc, took = _sourcedoctor("check", "sftp://sdtest@127.0.0.1:1/data", "--key", str(bcrypt_1000),
                               "--passphrase-env", "SLOW_KDF_PASS", "--timeout", "2",
                               "--no-prompt", "--format", "json")
    assert took < 2 * 1.5 + SLACK, proc.stderr
    assert "Traceback" not in proc.stderr and "Task exception" not in proc.stderr
    report = json.loads(proc.stdout)
    key = next(c for c in report["checks"] if c["id"] == "ssh.key")
    evidence = _timeout_finding(key["findings"])["evidence"]
    assert evidence["kdf"] == "bcrypt"
    assert evidence["budget_s"] == 2


def test_a_costly_derivation_runs_in_a_child_and_the_key_works(argon2_4_passes: Path,
                                                                 plain_key: KeyFiles) -> None:
    report = inspect_key(argon2_4_passes.read_text(), passphrase=PASS, budget=600)
    assert report.usable, report.codes
    assert report.authorized_keys_line is not None
    assert report.authorized_keys_line.split()[1] == plain_key.public_line.split()[1]
    wrong = inspect_key(argon2_4_passes.read_text(), passphrase="not-it", budget=600)
    assert "key.passphrase_wrong" in wrong.codes


def test_the_child_is_killed_at_the_budget(bcrypt_1000: Path) -> None:
    text = normalize(bcrypt_1000.read_bytes()).text
    assert text is not None
    t0 = time.monotonic()
    result = load_in_child(text, PASS, timeout=0.5)
    assert result.timed_out and result.key is None
    assert time.monotonic() - t0 < 5


def _child_pids(pid: int) -> list[int]:
    """The key-derivation children of ``pid`` (not the other helpers a check may start)."""
    pids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            pids += [int(p) for p in (task / "children").read_text().split()]
    kdf = []
    for child in pids:
        with contextlib.suppress(OSError):  # ended meanwhile
            if b"kdf_worker" in Path(f"/proc/{child}/cmdline").read_bytes():
                kdf.append(child)
    return kdf


def test_ctrl_c_during_a_derivation_ends_the_run_and_its_child(bcrypt_1000: Path) -> None:
    import signal

    # A budget large enough that the derivation runs (in its child) instead of being refused.
    proc = subprocess.Popen(
        ["sourcedoctor", "check", "sftp://sdtest@127.0.0.1:1/data", "--key", str(bcrypt_1000),
         "--passphrase-env", "SLOW_KDF_PASS", "--timeout", "300", "--no-prompt", "--format",
         "json"],
        env={**os.environ, "SLOW_KDF_PASS": PASS}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        children: list[int] = []
        while not children and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            children = _child_pids(proc.pid)
        assert children, "the derivation never started in a child process"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert time.monotonic() - t0 < 5, err
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        for child in children:
            assert not Path(f"/proc/{child}").exists() or "zombie" in Path(
                f"/proc/{child}/status").read_text().lower()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
