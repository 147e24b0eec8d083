"""An SFTP server that accepts reads and never answers them: every command ends on its own.

The server is the embedded asyncssh one with ``hang_reads_from`` (reads at or past that offset
are never answered; login, stat and listing work). Each command runs as the user runs it, a
subprocess with ``--timeout 3``; a hang would run into the subprocess timeout (far longer), and
stderr must carry the one-line story, never a traceback or asyncio's "Task exception was never
retrieved".
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sourcedoctor.connectors.sftp.demo.server import DemoServer, ServerOptions, demo_files
from tests.fixtures.embedded import ThreadedServer

STEP = 3.0
#: Well under the hang (which is forever; 267 s were seen before the fix), well over a few steps.
PROMPT = 30.0
HEAD = 4096
BIG_CSV = b"id,name\n" + b"".join(b"%d,name-%d\n" % (i, i) for i in range(20_000))


@pytest.fixture(params=[0, HEAD], ids=["every-read", "reads-after-the-head"])
def hung(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    files = {**demo_files(None), "inbound/big.csv": BIG_CSV}
    options = ServerOptions(files=files, hang_reads_from=request.param)
    with ThreadedServer(DemoServer(options=options)) as server:
        yield server


def _run(server: DemoServer, command: str, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    url = f"sftp://{server.user}@{server.host}:{server.port}/{server.folder}"
    argv = ["sourcedoctor", command, url, "--password-env", "HANG_PW", "--no-prompt",
            "--host-key-fingerprint", server.fingerprint, "--timeout", f"{STEP:g}", *args]
    t0 = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=PROMPT * 3,
                          env={**os.environ, "HANG_PW": server.password})
    return proc, time.monotonic() - t0


def _clean(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "Task exception" not in stderr, stderr
    assert "was never retrieved" not in stderr, stderr


def test_preview_ends_with_a_timeout_finding(hung: DemoServer) -> None:
    proc, took = _run(hung, "preview", "--file", "big.csv", "--head-bytes", str(HEAD),
                      "--format", "json")
    _clean(proc.stderr)
    assert took < PROMPT
    if hung.options.hang_reads_from == 0:
        assert proc.returncode == 1, proc.stderr
        (sample,) = json.loads(proc.stdout)["samples"]
        assert [f["code"] for f in sample["findings"]] == ["check.timeout"]
    else:  # the preview reads only the head, which the server answers
        assert proc.returncode == 0, proc.stderr


def test_ingest_refuses_with_a_timeout_finding(hung: DemoServer, tmp_path: Path) -> None:
    proc, took = _run(hung, "ingest", "--file", "big.csv", "--head-bytes", str(HEAD),
                      "--dataset", "big", "--lake", str(tmp_path / "lake.duckdb"),
                      "--format", "json")
    _clean(proc.stderr)
    assert took < PROMPT
    assert proc.returncode == 1, proc.stderr
    refused = json.loads(proc.stdout)
    assert [f["code"] for f in refused["findings"]] == ["check.timeout"]
    assert refused["refused"].endswith("big.csv")


@pytest.mark.parametrize("target", ["generic", "aep"])
def test_check_reports_the_layer_that_hung(hung: DemoServer, target: str) -> None:
    proc, took = _run(hung, "check", "--file", "big.csv", "--target", target, "--format", "json")
    _clean(proc.stderr)
    assert took < PROMPT
    report = json.loads(proc.stdout)
    if hung.options.hang_reads_from == 0:
        assert proc.returncode == 1, proc.stderr
        # The files layer names the stalled read (file.unreadable "no answer", or check.timeout
        # when a step's timeout escapes it); never a crash.
        assert report["root_cause"]["check"] == "sftp.files"
        assert report["root_cause"]["code"] in ("file.unreadable", "check.timeout")
    else:
        assert proc.returncode in (0, 1), proc.stderr  # 1 under aep: the offset read hangs
        assert all(f["code"] != "check.internal_error"
                   for c in report["checks"] for f in c["findings"])
