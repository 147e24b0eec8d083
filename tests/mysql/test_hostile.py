"""Bad input and hostile peers: other protocols on the port, a tarpit, a huge error packet, SQL
and backtick games in names, garbage connection strings — each a finding or a one-line settings
error within its timeout."""

from __future__ import annotations

import struct
import time

import pytest

from sourcedoctor.config.urls import SettingsError
from sourcedoctor.model import Status
from tests.fixtures import peers, tcp_listening
from tests.fixtures.mariadb import MachineMariadb
from tests.mysql.helpers import codes, only, run_plan, settings, status
from tests.support import IN_CI


def mysql_error_packet(errno: int, message: bytes) -> bytes:
    payload = b"\xff" + struct.pack("<H", errno) + b"#08004" + message
    return struct.pack("<I", len(payload))[:3] + b"\x00" + payload


@pytest.mark.parametrize(("make", "named"), [
    (peers.ftp_greeting, "ftp"),
    (peers.tls_server, "tls"),
    (lambda: peers.garbage(b"SSH-2.0-OpenSSH_9.2p1 Debian\r\n"), "ssh"),
])
async def test_other_protocols_are_named(make: object, named: str) -> None:
    with make() as peer:  # type: ignore[operator]
        report, _ = await run_plan(settings(f"mysql://u@127.0.0.1:{peer.port}/db"), timeout=2.0)
    finding = only(report, "db.wrong_protocol")
    assert finding.evidence["found"] == named
    assert "MySQL/MariaDB" in finding.fix[0]


async def test_postgresql_on_the_port_is_named() -> None:
    if not tcp_listening(5432):
        if IN_CI:
            pytest.fail("CI=true and the machine's PostgreSQL is not listening on 5432", pytrace=False)
        pytest.skip("the machine's PostgreSQL is not listening on 5432")
    report, _ = await run_plan(settings("mysql://u@127.0.0.1:5432/db"), timeout=2.0)
    assert only(report, "db.wrong_protocol").evidence["found"] == "postgresql"
    assert only(report, "config.db_port_of_other_server").evidence["port"] == 5432


async def test_tarpit_is_silent_within_the_budget() -> None:
    with peers.tarpit() as peer:
        t0 = time.monotonic()
        report, _ = await run_plan(settings(f"mysql://u@127.0.0.1:{peer.port}/db"), timeout=1.0)
        elapsed = time.monotonic() - t0
    finding = only(report, "db.server_silent")
    assert finding.evidence["ended"] == "timeout"
    assert elapsed < 4.0


async def test_connection_closed_without_a_greeting() -> None:
    with peers.closer() as peer:
        report, _ = await run_plan(settings(f"mysql://u@127.0.0.1:{peer.port}/db"), timeout=2.0)
    assert only(report, "db.server_silent").evidence["ended"] in ("closed", "reset")


async def test_huge_error_packet_is_capped() -> None:
    with peers.send_then_close(mysql_error_packet(1040, b"x" * 60_000)) as peer:
        report, _ = await run_plan(settings(f"mysql://u@127.0.0.1:{peer.port}/db"), timeout=2.0)
    finding = only(report, "db.auth_failed")
    assert finding.evidence["errno"] == 1040
    assert len(finding.evidence["message"]) <= 512
    assert len(finding.summary) < 300


async def test_megabyte_error_packet_is_not_taken_for_mysql() -> None:
    # A 1 MB "error message" is beyond any real server's: read 4 KB of it, name it, move on.
    with peers.send_then_close(mysql_error_packet(1045, b"x" * 1_000_000)) as peer:
        report, _ = await run_plan(settings(f"mysql://u@127.0.0.1:{peer.port}/db"), timeout=2.0)
    finding = only(report, "db.wrong_protocol")
    assert len(finding.evidence["banner"]) <= 200


@pytest.mark.parametrize("name", ["users; DROP TABLE victim", "a`; DROP TABLE victim; -- ",
                                  "victim` WHERE 1=0 UNION SELECT 1 -- ", "%s%s%(x)s"])
async def test_sql_in_the_table_name_is_only_a_name(machine: MachineMariadb, name: str) -> None:
    with machine.admin() as admin:
        admin.run(f"CREATE TABLE IF NOT EXISTS `{machine.database}`.victim (id INT)")
    report, state = await run_plan(settings(machine.url(user="root"), table=name))
    assert codes(report) == ["db.table_not_found"]
    assert state.sample is None
    with machine.admin() as admin:
        assert admin.run(f"SHOW TABLES FROM `{machine.database}` LIKE 'victim'") == [("victim",)]


@pytest.mark.parametrize("name", ["we`ird", "100%", "a.b c"])
async def test_odd_but_real_table_names_are_sampled(machine: MachineMariadb, name: str) -> None:
    quoted = "`" + name.replace("`", "``") + "`"
    with machine.admin() as admin:
        admin.run(f"CREATE TABLE IF NOT EXISTS `{machine.database}`.{quoted} (v INT)",
                  f"INSERT INTO `{machine.database}`.{quoted} VALUES (7)")
    # A dot in the name: give the database explicitly (DB.TABLE splits on the first dot).
    table = f"{machine.database}.{name}"
    report, state = await run_plan(settings(machine.url(user="root"), table=table))
    assert codes(report) == []
    assert state.sample is not None and state.sample.rows[0] == (7,)


@pytest.mark.parametrize("text", [
    "Server=db;Port=3306\x00;UID=x",        # NUL byte
    "x" * 1_000_000,                         # 1 MB pasted
    "Server={db;Port=3306",                  # unterminated brace
    "\x01\x02\x03garbage",                   # control characters
    ";;;",                                   # empty
])
async def test_unreadable_connection_strings_are_settings_findings(text: str) -> None:
    # As for PostgreSQL: a finding the report explains (reason, offset; never the value), and
    # the missing server named too — nothing is sent anywhere.
    t0 = time.monotonic()
    report, _ = await run_plan(settings("mysql://", connection_string=text))
    found = [f for c in report.checks for f in c.findings]
    invalid = [f for f in found if f.code == "config.connstring_invalid"]
    assert len(invalid) == 1 and invalid[0].evidence["field"] == "connection_string"
    assert any(f.code == "config.invalid" and f.evidence.get("field") == "host" for f in found)
    assert status(report, "dns.resolve") is Status.SKIP
    assert "\x00" not in repr(report) and len(repr(report)) < 100_000
    assert time.monotonic() - t0 < 2


@pytest.mark.parametrize(("url", "field"), [
    ("mysql://u@host:99999/db", "url"),
    ("mysql://u:secret@host/db", "url"),
    ("mysql://u@ho\tst/db", "url"),
    ("mysql://", "host"),
    ("mysql://u@host/a/b", "database"),
    ("mysql://u@host/db?tabel=x", "url"),
    ("mysql://u@host/db?sslMode=sometimes", "ssl_mode"),
])
def test_bad_urls_name_the_field(url: str, field: str) -> None:
    with pytest.raises(SettingsError) as err:
        settings(url)
    assert err.value.field == field
    assert "secret" not in str(err.value)


async def test_identifier_too_long_is_a_settings_finding() -> None:
    report, _ = await run_plan(settings("mysql://u@127.0.0.1:1/db", table="t" * 100), timeout=1.0)
    finding = only(report, "config.invalid")
    assert finding.evidence["field"] == "table"
    assert status(report, "dns.resolve") == Status.SKIP
