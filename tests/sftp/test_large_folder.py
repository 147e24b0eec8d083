"""Healthy control (issue 10 §1): a drop folder with tens of thousands of files passes, bounded.

A folder of 30,000 small CSV files of one schema is healthy: the verdict is PASS with no root
cause. The listing keeps ``--max-entries`` entries (counting the rest up to ten times the cap), so
memory stays bounded, and its READDIR requests are pipelined, so a far-away server costs a few
dozen round trips rather than one per batch of names (counted through the latency relay).
"""

from __future__ import annotations

import os
import pwd
import shutil
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sourcedoctor.connectors.sftp.demo.server import DemoServer
from sourcedoctor.model import Verdict
from tests.fixtures.relay import LatencyRelay
from tests.fixtures.sshd import USER, SshdServer
from tests.sftp.helpers import codes, diagnose, facts, sshd_values

FILES = 30_000
#: The embedded server runs in the test's own process and builds each of the 30,000 names in
#: Python (stat, user and group names, a long listing line): on a busy machine the listing needs
#: more than check's default step budget, which a remote server's listing does not.
EMBEDDED_TIMEOUT = 30.0
CSV = b"id,name,amount\n1,Ada,12.50\n2,Linus,7.00\n"


def _fill(folder: Path, uid: int | None = None, gid: int | None = None) -> None:
    folder.mkdir(parents=True)
    for i in range(FILES):
        path = folder / f"part-{i:05d}.csv"
        path.write_bytes(CSV)
        if uid is not None and gid is not None:
            os.chown(path, uid, gid)
    if uid is not None and gid is not None:
        os.chown(folder, uid, gid)


@pytest.fixture(scope="module")
def served_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("large")
    _fill(root / "inbound")
    return root


async def test_embedded_server_30000_files_pass_with_the_entry_cap(served_root: Path) -> None:
    async with DemoServer(root=served_root) as demo:
        report = await diagnose(timeout=EMBEDDED_TIMEOUT,
                                **demo.settings(max_entries=10_000).model_dump())
    assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None
    folder = facts(report, "sftp.folder")
    assert folder["entries"] == 10_000  # kept: the cap
    assert folder["truncated"] == FILES - 10_000  # the rest counted, not kept
    assert "truncated_at_least" not in folder


async def test_entry_budget_stops_counting_a_huge_folder(served_root: Path) -> None:
    async with DemoServer(root=served_root) as demo:
        report = await diagnose(timeout=EMBEDDED_TIMEOUT,
                                **demo.settings(max_entries=500).model_dump())
    assert report.verdict is Verdict.PASS, codes(report)
    folder = facts(report, "sftp.folder")
    assert folder["entries"] == 500
    # Counting stops at ten times the cap: the listing never walks the whole folder.
    assert folder["truncated_at_least"] is True
    assert 500 + folder["truncated"] <= 10 * 500 + 1000  # one READDIR burst may overshoot


async def test_listing_round_trips_are_pipelined(served_root: Path) -> None:
    async with DemoServer(root=served_root) as demo:
        with LatencyRelay(demo.port, rtt=0.02) as relay:
            report = await diagnose(timeout=EMBEDDED_TIMEOUT,
                                    **demo.settings(port=relay.port).model_dump())
            round_trips = relay.round_trips
    assert report.verdict is Verdict.PASS, codes(report)
    # asyncssh's server sends ~128 names per READDIR: 235 answers, sent 2, 4, 8, then 16 at a time.
    assert round_trips <= 60, round_trips


@pytest.fixture(scope="module")
def sshd_large_folder(test_users: None) -> Iterator[str]:
    pw = pwd.getpwnam(USER)
    name = f"large-{uuid.uuid4().hex[:8]}"
    _fill(Path(pw.pw_dir) / name, pw.pw_uid, pw.pw_gid)
    yield name
    shutil.rmtree(Path(pw.pw_dir) / name, ignore_errors=True)


@pytest.mark.sshd
async def test_sshd_30000_files_pass(sshd: SshdServer, sshd_large_folder: str) -> None:
    values = sshd_values(sshd, folder=sshd_large_folder, file=None, max_entries=5_000)
    values.pop("file", None)
    tracemalloc.start()  # sshd is another process: this traces the diagnosis alone
    try:
        report = await diagnose(timeout=20.0, **values)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None
    folder = facts(report, "sftp.folder")
    assert folder["entries"] == 5_000
    assert folder["entries"] + folder["truncated"] == FILES
    # The whole diagnosis of a 30,000-name folder (measured: ~16 MB traced) stays small; the
    # cap itself is what ``entries`` shows above.
    assert peak < 40 * 1024 * 1024, peak


@pytest.mark.sshd
async def test_sshd_listing_round_trips_are_pipelined(sshd: SshdServer,
                                                      sshd_large_folder: str) -> None:
    values = sshd_values(sshd, folder=sshd_large_folder, file=None)
    values.pop("file", None)
    with LatencyRelay(sshd.port, rtt=0.02) as relay:
        report = await diagnose(timeout=20.0, **{**values, "port": relay.port})
        round_trips = relay.round_trips
    assert report.verdict is Verdict.PASS, codes(report)
    # OpenSSH sends 100 names per READDIR: 300 answers, one round trip each without pipelining.
    assert round_trips <= 60, round_trips
