"""``sourcedoctor fleet`` end to end against real servers: the embedded asyncssh server (which counts
its own connections, server side) and OpenSSH's sshd."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from sourcedoctor.connectors.sftp.demo.server import DemoServer
from sourcedoctor.fleet.inventory import parse_inventory
from sourcedoctor.fleet.run import FleetFinished, FleetRun
from tests.fixtures.embedded import ThreadedServer
from tests.fixtures.sshd import TEST_PASSWORD, USER
from tests.fleet.helpers import run


@pytest.fixture
def servers() -> Iterator[dict[str, DemoServer]]:
    """A healthy embedded server and one whose folder is missing from the settings' view."""
    threads = {name: ThreadedServer(DemoServer()) for name in ("healthy", "empty")}
    started = {name: t.start() for name, t in threads.items()}
    (started["empty"].root / "inbound" / "customers.csv").unlink()  # the healthy file gone
    for path in (started["empty"].root / "inbound").iterdir():
        path.unlink()
    yield started
    for t in threads.values():
        t.stop()


def entry(name: str, server: DemoServer, *, pw_env: str = "DEMO_PW", folder: str = "inbound",
          extra: str = "") -> str:
    return (f'[[connection]]\nname = "{name}"\nurl = "sftp://{server.user}@127.0.0.1:{server.port}/{folder}"\n'
            f'host_key_fingerprint = "{server.fingerprint}"\npassword_env = "{pw_env}"\n{extra}\n')


def test_mixed_fleet_groups_causes_respects_limits_and_lands_in_the_lake(
        servers: dict[str, DemoServer], tmp_path: Path) -> None:
    healthy, empty = servers["healthy"], servers["empty"]
    text = "".join(entry(f"ok-{i}", healthy) for i in range(6))
    text += "".join(entry(f"badpw-{i}", healthy, pw_env="WRONG_PW") for i in range(3))
    text += "".join(entry(f"empty-{i}", empty) for i in range(2))
    text += entry("nofolder", healthy, folder="nope")
    fleet_file = tmp_path / "fleet.toml"
    fleet_file.write_text(text)
    lake = tmp_path / "lake.duckdb"
    proc = run("fleet", str(fleet_file), "--format", "json", "--lake", str(lake), "--per-host", "2",
               env={"DEMO_PW": healthy.password, "WRONG_PW": "not-the-password"})
    assert proc.returncode == 1, proc.stderr  # some connections fail
    data = json.loads(proc.stdout)
    assert data["schema"] == "sourcedoctor.fleet/1"
    assert data["counts"] == {"fail": 6, "pass": 6}
    causes = {g["code"]: g for g in data["causes"]}
    assert causes["auth.password_rejected"]["count"] == 3
    assert "WRONG_PW" in causes["auth.password_rejected"]["likely"]
    assert causes["path.empty"]["count"] == 2
    assert causes["path.not_found"]["connections"] == ["nofolder"]
    # Server side: never more than the per-server budget open at once.
    assert healthy.peak_connections <= 2 and empty.peak_connections <= 2
    assert all(v <= 2 for v in data["limits"]["server_high_water"].values())
    # paramiko's connection got its unit of the server's budget every time (a spare unit is left
    # for it), so every matrix has a really negotiated paramiko row.
    paramiko_rows = [row for c in data["connections"] for check in c["report"]["checks"]
                     if check["id"] == "ssh.compat" for row in check["facts"].get("matrix", [])
                     if row["stack"] == "paramiko"]
    assert len(paramiko_rows) >= 6 and {r["method"] for r in paramiko_rows} == {"negotiated"}
    # Every connection's report is kept, and no secret is in the output.
    assert all(c["report"]["schema"] == "sourcedoctor.report/1" for c in data["connections"])
    assert healthy.password not in proc.stdout and "not-the-password" not in proc.stdout
    con = duckdb.connect(str(lake), read_only=True)
    rows = con.execute("SELECT verdict, count(*) FROM fleet_results GROUP BY verdict ORDER BY 1").fetchall()
    con.close()
    assert rows == [("fail", 6), ("pass", 6)]


def test_piped_progress_is_plain_lines(servers: dict[str, DemoServer], tmp_path: Path) -> None:
    fleet_file = tmp_path / "fleet.csv"
    healthy = servers["healthy"]
    fleet_file.write_text(
        "name,url,host_key_fingerprint,password_env\n"
        + "".join(f"c{i},sftp://{healthy.user}@127.0.0.1:{healthy.port}/inbound,{healthy.fingerprint},PW\n"
                  for i in range(3)))
    proc = run("fleet", str(fleet_file), "--no-lake", env={"PW": healthy.password})
    assert proc.returncode == 0, proc.stderr
    progress = [line for line in proc.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == 3 and all(" pass " in line for line in progress)
    assert "\x1b" not in proc.stderr  # no live-table escape codes when piped
    assert proc.stdout.startswith("3 connections: 3 pass")


def test_one_connection_per_server_when_the_server_allows_one(servers: dict[str, DemoServer],
                                                               tmp_path: Path) -> None:
    healthy = servers["healthy"]
    fleet_file = tmp_path / "fleet.toml"
    fleet_file.write_text("".join(entry(f"c{i}", healthy, extra="max_connections = 1") for i in range(5)))
    proc = run("fleet", str(fleet_file), "--no-lake", "--format", "json", "--per-host", "4",
               env={"DEMO_PW": healthy.password})
    assert proc.returncode == 0, proc.stderr
    assert healthy.peak_connections == 1


async def test_dns_is_asked_once_per_name(servers: dict[str, DemoServer]) -> None:
    healthy = servers["healthy"]
    text = "".join(
        f'[[connection]]\nname="c{i}"\nurl="sftp://{healthy.user}@localhost:{healthy.port}/inbound"\n'
        f'host_key_fingerprint="{healthy.fingerprint}"\npassword_env="PW"\n' for i in range(6))
    entries = parse_inventory(text, "toml")
    from pydantic import SecretStr

    fleet = FleetRun(entries, {entries[0].password: SecretStr(healthy.password)})  # type: ignore[dict-item]
    result = None
    async for event in fleet.events():
        if isinstance(event, FleetFinished):
            result = event.result
    assert result is not None and {i.verdict for i in result.items} == {"pass"}
    assert fleet.dns_cache.questions == 1


def test_ctrl_c_gives_a_partial_summary(peers, tmp_path: Path) -> None:
    tarpit = peers.tarpit()
    fleet_file = tmp_path / "fleet.toml"
    fleet_file.write_text("".join(
        f'[[connection]]\nname="slow-{i}"\nurl="sftp://u@127.0.0.1:{tarpit.port}/in"\ntimeout=20\n'
        for i in range(4)))
    out = tmp_path / "out.json"
    proc = subprocess.Popen(["sourcedoctor", "fleet", str(fleet_file), "--no-lake", "--no-prompt",
                             "--parallel", "2", "--per-host", "4", "--format", "json", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    # Both slots are in use (each run may add the compatibility layer's connection too).
    while tarpit.connections < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tarpit.connections >= 2
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 10
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    data = json.loads(out.read_text())
    assert data["interrupted"] is True
    assert len(data["connections"]) + len(data["not_run"]) == 4
    assert data["not_run"]  # parallel 2: two never started
    assert all(c["verdict"] != "pass" for c in data["connections"])


def test_fleet_diff_says_what_broke_and_recovered(tmp_path: Path) -> None:
    def sweep(verdicts: dict[str, tuple[str, str | None]]) -> Path:
        path = tmp_path / f"sweep-{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps({"schema": "sourcedoctor.fleet/1", "connections": [
            {"name": n, "verdict": v, "root_cause": c} for n, (v, c) in verdicts.items()]}))
        return path

    old = sweep({"a": ("pass", None), "b": ("fail", "tcp.timeout"), "c": ("fail", "tcp.timeout"),
                 "gone": ("pass", None)})
    new = sweep({"a": ("fail", "auth.key_rejected"), "b": ("pass", None),
                 "c": ("fail", "auth.key_rejected"), "new": ("pass", None)})
    proc = run("fleet", "diff", str(old), str(new), "--format", "json")
    assert proc.returncode == 1
    d = json.loads(proc.stdout)
    assert [c["name"] for c in d["broke"]] == ["a"]
    assert [c["name"] for c in d["recovered"]] == ["b"]
    assert [c["name"] for c in d["changed_cause"]] == ["c"]
    assert d["added"] == ["new"] and d["removed"] == ["gone"]
    same = run("fleet", "diff", str(new), str(new))
    assert same.returncode == 0 and same.stdout.strip() == "no change"
    bad = run("fleet", "diff", str(old), str(tmp_path / "missing.json"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.sshd
def test_sshd_and_embedded_in_one_fleet(sshd, servers: dict[str, DemoServer], tmp_path: Path) -> None:
    healthy = servers["healthy"]
    fleet_file = tmp_path / "fleet.toml"
    fleet_file.write_text(
        entry("embedded", healthy)
        + f'[[connection]]\nname="sshd"\nurl="sftp://{USER}@127.0.0.1:{sshd.port}/data"\nfile="customers.csv"\n'
          f'host_key_fingerprint="{",".join(sshd.fingerprints.values())}"\npassword_env="SSHD_PW"\n'
          'target="aep"\n')
    proc = run("fleet", str(fleet_file), "--no-lake", "--format", "md",
               env={"DEMO_PW": healthy.password, "SSHD_PW": TEST_PASSWORD})
    assert proc.returncode == 0, proc.stderr + proc.stdout
    # Under aep a loopback address is a warning (the platform connects from the cloud).
    assert proc.stdout.startswith("# sourcedoctor fleet: 2 connections: 1 warn, 1 pass")
    assert "| sshd | warn |" in proc.stdout and "| embedded | pass |" in proc.stdout
    assert TEST_PASSWORD not in proc.stdout
