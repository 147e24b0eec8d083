"""Bad input and hostile servers: each a finding within its timeout, never a traceback or a hang;
and proof from the server's own statement log that a diagnosis writes nothing."""

from __future__ import annotations

import re
import socket
import struct
import time

import pytest

from sourcedoctor.config.urls import SettingsError
from tests.fixtures.peers import TcpPeer
from tests.fixtures.postgres import PrivateCluster
from tests.postgres.helpers import codes, finding, private, run_plan, settings


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Server=db\x00;Port=5432", "nul"),
        ("S" * (1 << 20), "too_long"),
        ("\x8f\x01garbage\x02", "control"),
        ("Server={db.example.com;Port=5432", "unterminated"),
    ],
)
async def test_broken_connection_strings_are_settings_findings(text: str, reason: str) -> None:
    t0 = time.monotonic()
    report, _ = await run_plan(settings("postgresql://", connection_string=text))
    f = finding(report, "config.connstring_invalid")
    assert f.evidence["reason"] == reason and f.evidence["field"] == "connection_string"
    assert len(repr(report)) < 100_000  # the 1 MB value is nowhere in the report
    assert time.monotonic() - t0 < 2


async def test_garbage_without_a_host_names_both_fields() -> None:
    report, _ = await run_plan(settings("postgresql://", connection_string="just some text"))
    assert "config.connstring_invalid" in codes(report)
    assert any(f.evidence.get("field") == "host_field" for c in report.checks for f in c.findings)


def test_bad_urls_are_one_line_errors() -> None:
    for url in (
        "postgresql://u@h:99999/d",
        "postgresql://u@h/d?x=1",
        "postgresql://u@h/d\x00",
        "postgresql://" + "h" * 5000,
    ):
        with pytest.raises(SettingsError) as err:
            settings(url)
        assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "table",
    [
        "users; DROP TABLE sales.small",
        'sales."small"; DROP TABLE sales.small; --',
        "sales.small' OR '1'='1",
        'sales."sm""all"',
    ],
)
async def test_sql_in_the_table_name_is_only_ever_a_name(pg: PrivateCluster, table: str) -> None:
    report, _ = await run_plan(private(pg, table=table))
    assert set(codes(report)) <= {"config.invalid", "db.table_not_found"} and codes(report)
    assert pg.sql("SELECT count(*) FROM sales.small", database="shop") == "10"


async def test_tarpit_is_server_silent_within_the_timeout(peers) -> None:  # type: ignore[no-untyped-def]
    tarpit = peers.tarpit()
    t0 = time.monotonic()
    report, _ = await run_plan(settings(f"postgresql://u@127.0.0.1:{tarpit.port}/d"), timeout=1.0)
    f = finding(report, "db.server_silent")
    assert f.evidence["probe_sent"] is True and f.evidence["how"] == "timeout"
    assert time.monotonic() - t0 < 4


async def test_garbage_server_is_the_wrong_protocol(peers) -> None:  # type: ignore[no-untyped-def]
    report, _ = await run_plan(settings(f"postgresql://u@127.0.0.1:{peers.garbage().port}/d"), timeout=2.0)
    f = finding(report, "db.wrong_protocol")
    assert f.evidence["answered"] == "unknown" and "not ssh" in f.evidence["bytes"]


def _huge_error(peer: TcpPeer, conn: socket.socket) -> None:
    """Answers SSLRequest with N, then the startup message with a 2 MB ErrorResponse."""
    conn.settimeout(2)
    first = conn.recv(8)
    if first == struct.pack("!ii", 8, 80877103):  # SSLRequest: no TLS here
        conn.sendall(b"N")
        first = conn.recv(8)
    if not first:
        return
    conn.recv(4096)  # the rest of the startup message
    body = b"SFATAL\x00C28000\x00M" + b"x" * (2 << 20) + b"\x00\x00"
    try:
        conn.sendall(b"E" + struct.pack("!i", len(body) + 4) + body)
    except OSError:
        return  # the client read what it needed and closed


async def test_huge_error_message_is_bounded() -> None:
    with TcpPeer("huge-error", _huge_error) as peer:
        t0 = time.monotonic()
        report, _ = await run_plan(
            settings(f"postgresql://u@127.0.0.1:{peer.port}/d", password_field="p"), timeout=2.0
        )
    f = finding(report, "db.auth_failed")
    assert f.evidence["sqlstate"] == "28000" and len(f.evidence["server_message"]) <= 1000
    assert len(repr(report)) < 50_000
    assert time.monotonic() - t0 < 5


async def test_nothing_is_written_according_to_the_server_log(pg: PrivateCluster) -> None:
    assert pg.sql("SELECT has_table_privilege('reader', 'sales.small', 'INSERT')", database="shop") == "f"
    pg.set_conf(log_statement="all")
    try:
        mark = len(pg.log_text())
        for table in ("sales.orders", "sales.secret", "sales.order", "users; DROP TABLE sales.small"):
            await run_plan(private(pg, table=table), target="aep")
        await run_plan(private(pg, database="shopp"))
        log = pg.log_text()[mark:]
    finally:
        pg.set_conf(log_statement="")
    # One entry per log line prefix ("2026-… [app=…]"); statements continue on the next lines.
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d )", log)
    ours = [e for e in entries if "[app=sourcedoctor]" in e]
    statements = [
        re.sub(r"^.*?(statement|execute [^:]*): ", "", e, count=1, flags=re.S).strip()
        for e in ours
        if re.search(r"(statement|execute [^:]*): ", e)
    ]
    assert len(statements) > 20  # the log really has our session's statements
    first_words = {s.split(None, 1)[0].upper().rstrip(";") for s in statements}
    assert first_words <= {"SELECT", "BEGIN", "COMMIT", "ROLLBACK", "WITH"}, first_words
    writes = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|GRANT|TRUNCATE|COPY)\b", re.I)
    assert not [s for s in statements if writes.match(s)]


async def test_server_that_closes_at_once_is_silent_not_a_crash(peers) -> None:  # type: ignore[no-untyped-def]
    report, _ = await run_plan(settings(f"postgresql://u@127.0.0.1:{peers.closer().port}/d"), timeout=2.0)
    f = finding(report, "db.server_silent")
    assert f.evidence["how"] in ("closed", "reset")
