"""Ctrl+C (a real SIGINT to a real process) at several moments (issue 11 §4).

- ``check``: exit 130 wherever it lands, no traceback, no click "Aborted!"; a written report's
  verdict is ``incomplete``, never ``pass``; ``report diff`` never calls it an improvement.
- ``ingest``: exit 130 wherever it lands, and what it says about the batch is what the lake holds
  when read back with ``lake batches``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sourcedoctor.exitcodes import ExitCode
from tests.conftest import Peers

ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(["sourcedoctor", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)


def _interrupt(proc: subprocess.Popen[str], *, after: float | Callable[[], bool]
               ) -> tuple[str, str]:
    """SIGINT once ``after`` seconds passed (or the condition holds); the process's output."""
    deadline = time.monotonic() + 30
    if callable(after):
        while not after() and time.monotonic() < deadline:
            time.sleep(0.02)
    else:
        time.sleep(after)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return out, err


def _start_up() -> float:
    """How long the program takes to start and exit here (``--version``): longer than Python's
    own start-up (the interpreter and the site module, before our handler exists), which is the
    interpreter's and not ours to test; signals are sent after it."""
    t0 = time.monotonic()
    subprocess.run(["sourcedoctor", "--version"], capture_output=True, env=ENV, timeout=60,
                   check=True)
    return time.monotonic() - t0


def _no_crash(err: str) -> None:
    assert "Traceback" not in err and "Aborted!" not in err, err


# --- check ---------------------------------------------------------------------------------------


def test_check_interrupted_while_the_server_stalls_is_incomplete_not_pass(
        peers: Peers, tmp_path: Path) -> None:
    tarpit = peers.tarpit()
    out = tmp_path / "interrupted.json"
    proc = _start("check", f"sftp://bob@127.0.0.1:{tarpit.port}/x", "--no-prompt",
                  "--timeout", "30", "--format", "json", "--output", str(out))
    _, err = _interrupt(proc, after=lambda: bool(tarpit.connections))
    assert proc.returncode == ExitCode.INTERRUPTED, err
    _no_crash(err)
    report = json.loads(out.read_text())
    assert report["interrupted"] is True
    assert report["verdict"] == "incomplete"
    # Every check that ran passed, and still: not a pass.
    assert {c["status"] for c in report["checks"]} <= {"pass", "skip"}


@pytest.mark.parametrize("url", ["ftp://bob@127.0.0.1:{port}/x",
                                 "postgresql://bob@127.0.0.1:{port}/db?table=t",
                                 "mysql://bob@127.0.0.1:{port}/db?table=t",
                                 "kafka://127.0.0.1:{port}"])
def test_every_connectors_interrupted_check_is_incomplete(url: str, peers: Peers,
                                                         tmp_path: Path) -> None:
    """The same verdict rule for the connectors added after SFTP: a server that accepts and
    never speaks, Ctrl+C while waiting → exit 130 and `incomplete`, never a pass."""
    tarpit = peers.tarpit()
    out = tmp_path / "interrupted.json"
    extra = ["--topic", "t"] if url.startswith("kafka") else []
    proc = _start("check", url.format(port=tarpit.port), *extra, "--timeout", "30",
                  "--format", "json", "--output", str(out))
    deadline = time.monotonic() + 30
    while not tarpit.connections and time.monotonic() < deadline:
        time.sleep(0.02)
    t0 = time.monotonic()
    _, err = _interrupt(proc, after=0)
    # At once: a client library's thread blocked on the silent server (Kafka's, for the whole
    # --timeout) is abandoned, not waited for (it took 30 s).
    assert time.monotonic() - t0 < 5, err
    assert proc.returncode == ExitCode.INTERRUPTED, err
    _no_crash(err)
    report = json.loads(out.read_text())
    assert report["interrupted"] is True and report["verdict"] == "incomplete", report["verdict"]


def test_check_text_output_of_an_interrupted_run_never_says_pass(peers: Peers) -> None:
    tarpit = peers.tarpit()
    proc = _start("check", f"sftp://bob@127.0.0.1:{tarpit.port}/x", "--no-prompt",
                  "--timeout", "30")
    _, err = _interrupt(proc, after=lambda: bool(tarpit.connections))
    assert proc.returncode == ExitCode.INTERRUPTED
    _no_crash(err)
    # The verdict line names the verdict (its value in the JSON report is "incomplete").
    assert "INCOMPLETE" in err and "PASS" not in err


def test_check_interrupted_before_the_run_exits_130(peers: Peers) -> None:
    """Ctrl+C while modules load or settings are read, before the run's own handler exists:
    click must not turn it into "Aborted!" with exit 1, nor Python into a traceback. The moments
    are spread between the program's start-up (``_start_up``: Python's own part of it is the
    interpreter's and not tested) and the moment it reaches the server."""
    tarpit = peers.tarpit()
    argv = ("check", f"sftp://bob@127.0.0.1:{tarpit.port}/x", "--no-prompt", "--timeout", "30",
            "--format", "json")
    start_up = _start_up()
    t0 = time.monotonic()
    _interrupt(_start(*argv), after=lambda: bool(tarpit.connections))
    reach = time.monotonic() - t0
    for fraction in (0.0, 0.4, 0.6, 0.8, 0.95):
        proc = _start(*argv)
        out, err = _interrupt(proc, after=start_up + max(0.0, reach - start_up) * fraction)
        assert proc.returncode == ExitCode.INTERRUPTED, (fraction, err)
        _no_crash(err)
        if out.strip():  # it landed inside the run: the partial report is on stdout
            assert json.loads(out)["verdict"] == "incomplete"


def test_diff_never_calls_an_interrupted_run_an_improvement(peers: Peers, tmp_path: Path) -> None:
    failing = tmp_path / "failing.json"
    refused = peers.refused_port().port
    done = subprocess.run(
        ["sourcedoctor", "check", f"sftp://bob@127.0.0.1:{refused}/x", "--no-prompt",
         "--format", "json", "--output", str(failing)],
        capture_output=True, text=True, env=ENV, timeout=60, check=False)
    assert done.returncode == ExitCode.FAILED, done.stderr
    tarpit = peers.tarpit()
    interrupted = tmp_path / "interrupted.json"
    proc = _start("check", f"sftp://bob@127.0.0.1:{tarpit.port}/x", "--no-prompt",
                  "--timeout", "30", "--format", "json", "--output", str(interrupted))
    _interrupt(proc, after=lambda: bool(tarpit.connections))
    assert proc.returncode == ExitCode.INTERRUPTED
    diff = subprocess.run(
        ["sourcedoctor", "report", "diff", str(failing), str(interrupted), "--format", "json"],
        capture_output=True, text=True, env=ENV, timeout=60, check=False)
    assert diff.returncode == ExitCode.FAILED, diff.stdout + diff.stderr
    data = json.loads(diff.stdout)
    assert data["worse"] is True and data["verdict"] == {"old": "fail", "new": "incomplete"}
    # The other way round (interrupted → failing) both verdicts are reported as they are.
    back = subprocess.run(
        ["sourcedoctor", "report", "diff", str(interrupted), str(failing), "--format", "json"],
        capture_output=True, text=True, env=ENV, timeout=60, check=False)
    assert json.loads(back.stdout)["verdict"] == {"old": "incomplete", "new": "fail"}


def test_an_old_interrupted_pass_report_loads_as_incomplete(tmp_path: Path) -> None:
    """Reports written before ``incomplete`` existed said "pass" with interrupted: true."""
    from sourcedoctor.report import load_report

    sample = Path(__file__).parents[2] / "docs" / "samples" / "report.json"
    data = json.loads(sample.read_text())
    data.update(verdict="pass", interrupted=True, root_cause=None)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    assert load_report(old).verdict.value == "incomplete"


# --- ingest --------------------------------------------------------------------------------------

ROWS = 1_200_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with path.open("w") as fh:
        fh.write("id,name,amount,ts\n")
        fh.writelines(f"{i},name{i},{i * 0.5},2024-01-01T00:00:00\n" for i in range(ROWS))
    return path


def _ingest(csv: Path, lake: Path) -> subprocess.Popen[str]:
    return _start("ingest", str(csv), "--dataset", "big", "--rows", "all", "--lake", str(lake),
                  "--format", "json")


def _batches(lake: Path) -> list[dict[str, object]]:
    if not lake.exists():
        return []
    run = subprocess.run(["sourcedoctor", "lake", "batches", "--lake", str(lake), "--format",
                          "json"], capture_output=True, text=True, env=ENV, timeout=60,
                         check=False)
    assert run.returncode == 0, run.stderr
    batches: list[dict[str, object]] = json.loads(run.stdout)
    return batches


def test_ingest_interrupted_at_any_moment_says_what_the_lake_holds(
        big_csv: Path, tmp_path: Path) -> None:
    # How long an uninterrupted ingest takes here, so the signals land across the whole run,
    # up to just before the commit, after the program's start-up (``_start_up``).
    start_up = _start_up()
    t0 = time.monotonic()
    whole = _ingest(big_csv, tmp_path / "whole.duckdb")
    whole.communicate(timeout=300)
    assert whole.returncode == 0
    took = time.monotonic() - t0
    outcomes = set()
    for n, fraction in enumerate((0.0, 0.1, 0.35, 0.6, 0.8, 0.9, 0.97)):
        lake = tmp_path / f"lake{n}.duckdb"
        proc = _ingest(big_csv, lake)
        out, err = _interrupt(proc, after=start_up + (took - start_up) * fraction)
        _no_crash(err)
        stored = _batches(lake)
        if proc.returncode == ExitCode.OK:  # finished before the signal arrived
            assert len(stored) == 1
            outcomes.add("finished")
            continue
        assert proc.returncode == ExitCode.INTERRUPTED, err
        if not out.strip():  # interrupted before the command began (still exit 130)
            assert stored == []
            outcomes.add("before")
            continue
        said = json.loads(out)
        assert said["interrupted"] is True and said["readback_error"] is None
        if said["stored_batch"] is None:
            assert stored == [], f"said nothing stored, the lake holds {stored}"
            outcomes.add("nothing")
        else:
            assert [b["batch_id"] for b in stored] == [said["stored_batch"]["batch_id"]]
            assert stored[0]["status"] == "ok" and stored[0]["rows_ingested"] == ROWS
            outcomes.add("stored")
    # At least one signal landed inside the ingest (the point of this test).
    assert outcomes & {"nothing", "stored"}, outcomes
