"""Round trips (issue 10 §4): the layers after the SFTP session send what needs no answer at once.

Counted, not timed: ``LatencyRelay.round_trips`` is the depth of the run's critical path in
sequential round trips (a burst of pipelined requests counts once, connections side by side do
not add up). The relay's delay only has to be long enough that no answer slips between the
requests of one burst.
"""

from __future__ import annotations

import os
import pwd
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from sourcedoctor import api
from sourcedoctor.connectors.sftp.demo.server import DemoServer
from sourcedoctor.connectors.sftp.source import SftpSource
from sourcedoctor.model import CheckFinished, CheckStarted, Report, RunFinished, Verdict
from tests.fixtures.relay import LatencyRelay
from tests.fixtures.sshd import USER, SshdServer
from tests.sftp.helpers import codes, diagnose, facts, failing, sshd_values

RTT = 0.06
CSV = "id,name,country\n" + "".join(f"{i},name{i},GB\n" for i in range(200))


@pytest.fixture
def drop_folder(test_users: None) -> Iterator[str]:
    """A folder of three CSV files in the sshd test user's home; yields its name."""
    pw = pwd.getpwnam(USER)
    name = f"drop-{uuid.uuid4().hex[:8]}"
    folder = Path(pw.pw_dir) / name
    folder.mkdir()
    for day in (1, 2, 3):
        (folder / f"orders-{day:02d}.csv").write_text(CSV)
    for path in (folder, *folder.iterdir()):
        os.chown(path, pw.pw_uid, pw.pw_gid)
    yield name
    shutil.rmtree(folder, ignore_errors=True)


async def _run_counting(relay: LatencyRelay, target: str, **values: Any) -> tuple[Report, dict[str, int]]:
    """Run the diagnosis; note the relay's round-trip depth as each check starts and ends."""
    settings = api.sftp_settings(None, **values)
    runner = api.sftp_runner(settings, target=target, timeout=10.0)
    depth: dict[str, int] = {}
    relay.reset_count()
    async for event in runner.events():
        if isinstance(event, CheckStarted):
            depth[f"{event.check_id}:start"] = relay.round_trips
        elif isinstance(event, CheckFinished):
            depth[f"{event.result.check_id}:end"] = relay.round_trips
        elif isinstance(event, RunFinished):
            return event.report, depth
    raise AssertionError("no report")


def _values(sshd: SshdServer, relay: LatencyRelay, folder: str) -> dict[str, Any]:
    values = sshd_values(sshd, port=relay.port, folder=folder, file=None)
    values.pop("file", None)
    return values


@pytest.mark.sshd
async def test_folder_files_and_sample_take_four_round_trips(sshd: SshdServer,
                                                             drop_folder: str) -> None:
    with LatencyRelay(sshd.port, rtt=RTT) as relay:
        report, depth = await _run_counting(relay, "generic", **_values(sshd, relay, drop_folder))
    assert report.verdict is Verdict.PASS, codes(report)
    # stat + realpath + opendir in one burst, the READDIRs in a second; the file opens in a third
    # (beside the folder's close) and every read + close in a fourth; the sample layer reads
    # nothing more. Before pipelining these layers took ~35 sequential round trips.
    assert depth["data.sample:end"] - depth["sftp.folder:start"] <= 4, depth


@pytest.mark.sshd
async def test_key_login_healthy_run_takes_eleven_round_trips(sshd: SshdServer, keygen: Any,
                                                                  drop_folder: str) -> None:
    """With a key as the only credential it is signed at once and sent right behind the "none"
    request (RFC 4252 §5, §7), saving the round trip of a key query. The whole healthy run: identification
    and key-exchange offer, key exchange, new keys and service request, login, channel, subsystem,
    SFTP version, the folder burst and its READDIRs, the file opens, the reads — eleven."""
    key = keygen(type="ed25519")
    sshd.authorize(USER, key.public_line)
    with LatencyRelay(sshd.port, rtt=RTT) as relay:
        values = _values(sshd, relay, drop_folder)
        values.update(password=None, key_path=str(key.private))
        report, depth = await _run_counting(relay, "generic", **values)
    assert report.verdict is Verdict.PASS, codes(report)
    assert facts(report, "ssh.auth")["method_used"] == "publickey"
    # The login's own share depends on where the service accept is counted (1 or 2); the whole
    # run is the claim: the key login saves a round trip against the 12 a password run takes.
    assert depth["data.sample:end"] <= 11, depth


@pytest.mark.sshd
async def test_parallel_probe_logs_in_beside_the_other_layers(sshd: SshdServer,
                                                              drop_folder: str) -> None:
    """Under aep the probe's connections exchange keys during the diagnosis login and log in
    right after it, so the whole run is shorter than the logins, the SFTP start and the
    folder/files layers one after another."""
    with LatencyRelay(sshd.port, rtt=RTT) as relay:
        report, depth = await _run_counting(relay, "aep", **_values(sshd, relay, drop_folder))
        connections = relay.connections
    assert report.root_cause is None, codes(report)
    probe = report.result("sftp.files")
    assert probe is not None and probe.facts["parallel_probe"]["succeeded"] == 3
    assert connections <= 1 + 1 + 2  # diagnosis, compatibility, two probe logins: never more
    logins = depth["sftp.parallel_logins:end"] - depth["sftp.parallel_logins:start"]
    main_layers = depth["sftp.folder:end"] - depth["ssh.auth:end"]  # SFTP start, folder
    after_auth = depth["data.sample:end"] - depth["ssh.auth:end"]
    # Side by side: after the login the run costs the extra logins plus the reads on them
    # (open; reads + close), not the logins on top of the first connection's own layers.
    assert after_auth <= logins + 3, depth
    assert after_auth < logins + main_layers, depth


async def test_a_missing_sftp_subsystem_is_not_also_a_connection_limit() -> None:
    """The extra logins run beside the SFTP layer: when SFTP cannot start, they log in fine and
    that alone must not read as a server that refuses parallel connections."""
    async with DemoServer("no-sftp") as demo:
        report = await diagnose("aep", **demo.settings().model_dump())
    assert failing(report) == "sftp.subsystem_unavailable"
    assert "sftp.concurrency_limited" not in codes(report)
    assert facts(report, "sftp.parallel_logins")["logged_in"] == 3


async def test_subfolders_are_listed_side_by_side(tmp_path: Path) -> None:
    """Six subfolders, each with one more inside: listed level by level, not one by one."""
    inbound = tmp_path / "inbound"
    for region in ("de", "fr", "gb", "it", "nl", "se"):
        (inbound / region / "2026").mkdir(parents=True)
        (inbound / region / f"{region}.csv").write_text(CSV)
        (inbound / region / "2026" / "11.csv").write_text(CSV)
    async with DemoServer(root=tmp_path) as demo:
        with LatencyRelay(demo.port, rtt=RTT) as relay:
            report, depth = await _run_counting(relay, "generic",
                                                **demo.settings(port=relay.port).model_dump())
    assert report.verdict is Verdict.PASS, codes(report)
    assert facts(report, "sftp.folder")["files"] == 12
    # One burst for the folder itself, then OPENDIR and READDIR for each level (2 + 2); one by
    # one the thirteen folders would take over twenty-six.
    assert depth["sftp.folder:end"] - depth["sftp.folder:start"] <= 7, depth


async def test_long_and_short_ranges_read_back_exactly(tmp_path: Path) -> None:
    """Reads go out in waves of pipelined blocks with the close in the last; the bytes come back
    whole and in order, short at the end of the file, empty past it."""
    data = os.urandom(5 * 1024 * 1024 + 12_345)  # more blocks than one wave holds
    (tmp_path / "inbound").mkdir()
    (tmp_path / "inbound" / "big.bin").write_bytes(data)
    async with DemoServer(root=tmp_path) as demo:
        conn = await asyncssh.connect(demo.host, demo.port, username=demo.user,
                                      password=demo.password,
                                      known_hosts=([demo.host_key.convert_to_public()], [], []))
        async with conn, conn.start_sftp_client() as sftp:
            source = SftpSource(sftp)
            assert await source.read("inbound/big.bin", 0, len(data) + 1000) == data
            assert await source.read("inbound/big.bin", 1_000_000, 300_000) == \
                data[1_000_000:1_300_000]
            assert await source.read("inbound/big.bin", len(data) - 10, 4096) == data[-10:]
            assert await source.read("inbound/big.bin", len(data) + 5, 100) == b""
