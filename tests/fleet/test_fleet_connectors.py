"""A fleet row takes any connector's URL and that connector's options, secrets only by reference.

Real peers: the machine's PostgreSQL (127.0.0.1:5432, trust for ``postgres``), a pyftpdlib FTP
server, and the embedded SFTP server — in one file. Each server sits behind a counting relay, so
the per-server limit is counted where the server sees it.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import keyring
import pytest
from keyring.backend import KeyringBackend
from pydantic import SecretStr

from sourcedoctor.connectors.sftp.demo.server import DemoServer
from sourcedoctor.fleet.credentials import resolve_secrets
from sourcedoctor.fleet.inventory import InventoryError, SecretRef, parse_inventory
from sourcedoctor.fleet.run import FleetFinished, FleetResult, FleetRun
from tests.fixtures import tcp_listening
from tests.fixtures.embedded import ThreadedServer
from tests.fixtures.ftpd import PASSWORD as FTP_PASSWORD
from tests.fixtures.ftpd import USER as FTP_USER
from tests.fixtures.ftpd import FtpServer
from tests.fixtures.relay import LatencyRelay
from tests.fleet.helpers import run
from tests.support import IN_CI

PG_PORT = 5432


def _pg_up() -> bool:
    return tcp_listening(PG_PORT)


# Under CI=true the tests run anyway (and fail loudly if PostgreSQL is down): no silent skip.
needs_pg = pytest.mark.skipif(not IN_CI and not _pg_up(),
                              reason="the machine's PostgreSQL is not running on 5432")


@pytest.fixture
def ftp(tmp_path: Path) -> Iterator[FtpServer]:
    root = tmp_path / "ftp-root"
    (root / "in").mkdir(parents=True)
    (root / "in" / "sales.csv").write_bytes(b"id,name,amount\n1,alpha,3.5\n2,beta,4\n")
    server = FtpServer(root).start()
    yield server
    server.stop()


@pytest.fixture
def relay_for() -> Iterator[object]:
    started: list[LatencyRelay] = []

    def factory(port: int) -> LatencyRelay:
        relay = LatencyRelay(port, rtt=0.02).start()
        started.append(relay)
        return relay

    yield factory
    for relay in started:
        relay.stop()


@needs_pg
def test_mixed_connectors_in_one_file(ftp: FtpServer, relay_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    demo = ThreadedServer(DemoServer())
    sftp = demo.start()
    try:
        pg_relay, ftp_relay = relay_for(PG_PORT), relay_for(ftp.port)
        fleet = tmp_path / "mixed.toml"
        fleet.write_text(
            "[defaults]\ntimeout = 5\n"
            'password_env = "FTP_PW"          # ftp and sftp rows have a password; postgres rows here too\n'
            'ssl_mode = "disable"             # only the postgres rows have this option\n'
            + "".join(
                f'[[connection]]\nname = "pg-{i}"\nurl = "postgresql://postgres@127.0.0.1:{pg_relay.port}/postgres"\n'
                'password_env = ""\n' for i in range(3))
            + '[[connection]]\nname = "pg-nodb"\n'
              f'url = "postgresql://postgres@127.0.0.1:{pg_relay.port}/no_such_db_fleet"\npassword_env = ""\n'
            + "".join(
                f'[[connection]]\nname = "ftp-{i}"\nurl = "ftp://{FTP_USER}@127.0.0.1:{ftp_relay.port}/in"\n'
                'file = "sales.csv"\n' for i in range(3))
            + f'[[connection]]\nname = "ftp-badpw"\nurl = "ftp://{FTP_USER}@127.0.0.1:{ftp_relay.port}/in"\n'
              'password_env = "WRONG_PW"\n'
            + f'[[connection]]\nname = "sftp"\nurl = "sftp://{sftp.user}@127.0.0.1:{sftp.port}/inbound"\n'
              f'host_key_fingerprint = "{sftp.fingerprint}"\npassword_env = "SFTP_PW"\n')
        lake = tmp_path / "lake.duckdb"
        proc = run("fleet", str(fleet), "--format", "json", "--per-host", "2", "--lake", str(lake),
                   env={"FTP_PW": FTP_PASSWORD, "WRONG_PW": "not-the-ftp-password",
                        "SFTP_PW": sftp.password})
    finally:
        demo.stop()
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    verdicts = {c["name"]: (c["verdict"], c["root_cause"]) for c in data["connections"]}
    # Trust auth on the machine's PostgreSQL: a warning (the password was not checked), no failure.
    assert all(verdicts[f"pg-{i}"][0] in ("pass", "warn") for i in range(3)), verdicts
    assert verdicts["pg-nodb"] == ("fail", "db.database_not_found")
    # Plain FTP: a warning (the login is not encrypted), no failure.
    assert all(verdicts[f"ftp-{i}"] == ("warn", None) for i in range(3)), verdicts
    assert verdicts["ftp-badpw"] == ("fail", "ftp.login_failed"), verdicts
    assert verdicts["sftp"] == ("pass", None)
    connectors = {c["name"]: c["report"]["target"]["connector"] for c in data["connections"]}
    assert connectors["pg-0"] == "postgres" and connectors["ftp-0"] == "ftp" and connectors["sftp"] == "sftp"
    # --per-host 2: one database or FTP run at a time per server (a run takes its peak of 3 from
    # the budget), so each server saw at most that one run's own connections, counted at its door.
    assert pg_relay.max_active <= 3 and ftp_relay.max_active <= 2
    assert data["limits"]["server_high_water"][f"127.0.0.1:{pg_relay.port}"] == 3
    assert pg_relay.connections >= 4 and ftp_relay.connections >= 4
    # No secret anywhere in the output; the reproduce command names the row's own variable.
    assert FTP_PASSWORD not in proc.stdout and "not-the-ftp-password" not in proc.stdout
    ftp_report = next(c["report"] for c in data["connections"] if c["name"] == "ftp-badpw")
    assert "--password-env WRONG_PW" in ftp_report["command"]
    con = duckdb.connect(str(lake), read_only=True)
    stored = dict(con.execute("SELECT name, verdict FROM fleet_results").fetchall())
    con.close()
    assert stored["pg-nodb"] == "fail" and stored["ftp-0"] == "warn" and len(stored) == 9
    # The same history through the CLI: one connection's rows, and a read-only SQL query.
    one = run("fleet", "history", "pg-nodb", "--lake", str(lake), "--format", "json")
    assert one.returncode == 0, one.stderr
    assert [(r["name"], r["root_cause"]) for r in json.loads(one.stdout)] == [
        ("pg-nodb", "db.database_not_found")]
    query = run("fleet", "history", "--lake", str(lake), "--sql",
                "SELECT root_cause, count(*) AS n FROM fleet_results WHERE root_cause IS NOT NULL "
                "GROUP BY 1 ORDER BY 1")
    assert query.returncode == 0, query.stderr
    assert query.stdout.splitlines() == ["root_cause\tn", "db.database_not_found\t1", "ftp.login_failed\t1"]
    for bad in ("DROP TABLE fleet_results", "SELECT * FROM read_csv('/etc/passwd')", "SELEC"):
        refused = run("fleet", "history", "--lake", str(lake), "--sql", bad)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert len(run("fleet", "history", "--lake", str(lake), "--format", "json").stdout) > 2


@needs_pg
@pytest.mark.parametrize("per_host", [3, 6])
def test_per_host_limit_is_never_exceeded(relay_for, tmp_path: Path, per_host: int) -> None:  # type: ignore[no-untyped-def]
    relay = relay_for(PG_PORT)
    fleet = tmp_path / "pg.csv"
    fleet.write_text("name,url,ssl_mode\n" + "".join(
        f"pg-{i},postgresql://postgres@127.0.0.1:{relay.port}/postgres,disable\n" for i in range(8)))
    proc = run("fleet", str(fleet), "--no-lake", "--format", "json", "--per-host", str(per_host))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {c["verdict"] for c in data["connections"]} <= {"pass", "warn"}
    assert relay.connections >= 8
    assert 2 <= relay.max_active <= per_host  # counted where the server sees it
    # Our own accounting: each run takes three units; --per-host 6 runs two side by side.
    assert list(data["limits"]["server_high_water"].values()) == [per_host]
    assert data["limits"]["parallel"] == 16  # the default


async def test_keyring_reference_for_another_connector(ftp: FtpServer) -> None:
    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.reads = 0

        def get_password(self, service: str, username: str) -> str | None:
            self.reads += 1
            return FTP_PASSWORD if (service, username) == ("ftp-fleet", FTP_USER) else None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

    text = "".join(
        f'[[connection]]\nname = "ftp-{i}"\nurl = "ftp://{FTP_USER}@127.0.0.1:{ftp.port}/in"\n'
        f'password_keyring = "ftp-fleet/{FTP_USER}"\ntimeout = 5\n' for i in range(3))
    text += (f'[[connection]]\nname = "nokey"\nurl = "ftp://{FTP_USER}@127.0.0.1:{ftp.port}/in"\n'
             'password_keyring = "ftp-fleet/somebody-else"\ntimeout = 5\n')
    entries = parse_inventory(text, "toml")
    previous = keyring.get_keyring()
    backend = Memory()
    keyring.set_keyring(backend)
    try:
        secrets = resolve_secrets(entries, prompt=None, environ={})
    finally:
        keyring.set_keyring(previous)
    assert backend.reads == 2  # one read per distinct entry, not per connection
    result = await _sweep(FleetRun(entries, secrets, per_host=2))
    verdicts = {i.name: (i.verdict, i.root_cause) for i in result.items}
    assert verdicts["ftp-0"] == verdicts["ftp-2"] == ("warn", None)  # plain FTP: a warning only
    assert verdicts["nokey"] == ("fail", "config.invalid")
    nokey = next(i for i in result.items if i.name == "nokey")
    assert "ftp-fleet/somebody-else" in json.dumps(nokey.report)


def test_prompt_once_per_distinct_secret_on_a_terminal(ftp: FtpServer, tmp_path: Path) -> None:
    """The real CLI on a pseudo-terminal: four FTP rows share one prompt label, one row has its own."""
    fleet = tmp_path / "prompt.toml"
    fleet.write_text(
        "".join(f'[[connection]]\nname = "ftp-{i}"\nurl = "ftp://{FTP_USER}@127.0.0.1:{ftp.port}/in"\n'
                'password_prompt = "ftp reader"\ntimeout = 5\n' for i in range(4))
        + f'[[connection]]\nname = "ftp-own"\nurl = "ftp://{FTP_USER}@127.0.0.1:{ftp.port}/in"\n'
          'password_prompt = true\ntimeout = 5\n')
    out = tmp_path / "out.json"
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI with the pty as its terminal
        os.execvpe("sourcedoctor", ["sourcedoctor", "fleet", str(fleet), "--no-lake", "--format", "json",
                                    "-o", str(out)], {**os.environ, "NO_COLOR": "1"})
    seen = b""
    answered: list[bytes] = []
    status: int | None = None
    deadline = time.monotonic() + 90
    try:
        while status is None and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                seen += chunk
                own_label = f"password for {FTP_USER}@127.0.0.1".encode()
                for label, answer in ((b"ftp reader (used by", FTP_PASSWORD),
                                      (own_label, "wrong-typed-password")):
                    if label in seen and label not in answered:
                        answered.append(label)
                        os.write(fd, answer.encode() + b"\r")
            reaped, code = os.waitpid(pid, os.WNOHANG)
            if reaped:
                status = code
    finally:
        if status is None:  # a hung CLI fails the test below instead of hanging it
            os.kill(pid, signal.SIGKILL)
            status = os.waitpid(pid, 0)[1]
        os.close(fd)
    text = seen.decode(errors="replace")
    assert text.count("ftp reader (used by") == 1, text
    assert text.count(f"password for {FTP_USER}@127.0.0.1:{ftp.port} (used by") == 1, text
    assert FTP_PASSWORD not in text  # the answer is not echoed
    # On a terminal the progress is rich's live table (counts in its title, one row per connection).
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert "\x1b[" in text and "done ·" in plain and "running" in plain
    assert re.search(r"┃\s*connection\s*┃\s*verdict\s*┃\s*root cause", plain), plain[-2000:]
    assert os.waitstatus_to_exitcode(status) == 1, text
    data = json.loads(out.read_text())
    verdicts = {c["name"]: c["verdict"] for c in data["connections"]}
    assert [verdicts[f"ftp-{i}"] for i in range(4)] == ["warn"] * 4  # plain FTP: a warning only
    assert verdicts["ftp-own"] == "fail"


async def _sweep(fleet: FleetRun) -> FleetResult:
    async for event in fleet.events():
        if isinstance(event, FleetFinished):
            return event.result
    raise AssertionError("no FleetFinished")


@pytest.mark.parametrize(("text", "needle"), [
    ('[[connection]]\nname="s3"\nurl="s3://bucket/in"\nsecret_access_key="AKIAhunter22"\n', "in clear"),
    ('[[connection]]\nname="pg"\nurl="postgresql://u@h.test/db"\nconnection_string="Password=hunter22"\n',
     "in clear"),
    ('[[connection]]\nname="pg"\nurl="postgresql://u:hunter22@h.test/db"\n', "carries a password"),
    ('[[connection]]\nname="pg"\nurl="postgresql://u@h.test/db?password=hunter22"\n',
     "query carries a secret"),
    ('[[connection]]\nname="pg"\nurl="postgresql://u@h.test/db"\nhost_key_fingerprint="SHA256:x"\n',
     "for a postgres connection"),
    ('[[connection]]\nname="x"\nurl="gopher://h.test/"\n', "no connector for gopher://"),
    ('[defaults]\ntls_mode = "explicit"\n[[connection]]\nname="pg"\nurl="postgresql://u@h.test/db"\n',
     "[defaults]: tls_mode"),
    ('[defaults]\npassword = "hunter22"\n[[connection]]\nname="pg"\nurl="postgresql://u@h.test/db"\n',
     "in clear"),
])
def test_connector_keys_are_checked(text: str, needle: str) -> None:
    with pytest.raises(InventoryError) as info:
        parse_inventory(text, "toml")
    assert needle in str(info.value)
    assert "hunter22" not in str(info.value)


def test_every_connector_secret_is_a_reference() -> None:
    text = (
        '[defaults]\nssl_mode = "require"\ntimeout = 4\n'
        '[[connection]]\nname="s3"\nurl="s3://bucket/in"\naccess_key_id="AKIAEXAMPLE"\n'
        'secret_access_key_env="AWS_SECRET"\nsession_token_prompt="sts token"\nregion="eu-west-1"\n'
        '[[connection]]\nname="pg"\nurl="postgresql://u@db.test/sales"\nconnection_string_keyring="db/sales"\n'
        '[[connection]]\nname="kafka"\nurl="kafka://broker.test:9092/orders"\npassword_env="KAFKA_PW"\n'
        'sasl_mechanism="PLAIN"\nusername="reader"\n')
    s3, pg, kafka = parse_inventory(text, "toml")
    assert (s3.connector, pg.connector, kafka.connector) == ("s3", "postgres", "kafka")
    assert s3.secrets == {"secret_access_key": SecretRef("env", "AWS_SECRET"),
                          "session_token": SecretRef("prompt", "sts token")}
    assert s3.options == {"access_key_id": "AKIAEXAMPLE", "region": "eu-west-1", "timeout": 4.0}
    assert pg.secrets == {"connection_string": SecretRef("keyring", "db/sales")}
    assert pg.options["ssl_mode"] == "require"  # the default applies where the connector has it
    assert "ssl_mode" not in kafka.options and kafka.password == SecretRef("env", "KAFKA_PW")


async def test_bad_rows_of_other_connectors_are_named_by_their_keys() -> None:
    text = ('[[connection]]\nname="s3"\nurl="s3://bucket/in"\nsecret_access_key_env="UNSET_FLEET_VAR"\n'
            '[[connection]]\nname="pg"\nurl="postgresql://u@127.0.0.1:1/db"\nport="abc"\n'
            '[[connection]]\nname="ftp"\nurl="ftp://u@127.0.0.1:1/in"\ntls_mode=["x"]\n')
    entries = parse_inventory(text, "toml")
    secrets = resolve_secrets(entries, prompt=None, environ={})
    result = await _sweep(FleetRun(entries, secrets))
    items = {item.name: item for item in result.items}
    assert {item.root_cause for item in items.values()} == {"config.invalid"}
    assert items["s3"].summary.startswith("secret_access_key: environment variable UNSET_FLEET_VAR")
    assert items["pg"].summary.startswith("port: ")  # the row's key, not the model's port_field
    assert items["ftp"].summary.startswith("tls_mode: ")
    assert not isinstance(secrets[SecretRef("env", "UNSET_FLEET_VAR")], SecretStr)
