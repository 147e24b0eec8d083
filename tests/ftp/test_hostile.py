"""Bad input: hostile servers (endless line, 10,000 continuation lines, binary garbage, a huge
reply in the middle of the login) and malformed URLs end as findings or one-line errors, in
bounded time and memory, never as a traceback."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import pytest

from sourcedoctor.config.urls import SettingsError
from sourcedoctor.connectors import get
from tests.conftest import Peers
from tests.fixtures.ftpd import FtpServer, HostileFtp
from tests.ftp.helpers import codes, run_plan, settings_for

Hostile = Callable[[bytes | str], HostileFtp]


async def test_endless_greeting_line_is_protocol_error_in_bounded_memory(hostile: Hostile) -> None:
    server = hostile("endless")
    tracemalloc.start()
    t0 = time.monotonic()
    report, _ = await run_plan(settings_for(server))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    finding = codes(report)["ftp.protocol_error"]
    assert "longer than 8192" in finding.evidence["problem"]
    assert time.monotonic() - t0 < 3.0  # stops at the bound, not at the timeout
    assert peak < 8 * 1024 * 1024, peak
    assert all(c.traceback is None for c in report.checks)


async def test_ten_thousand_continuation_lines_is_protocol_error(hostile: Hostile) -> None:
    payload = b"220-welcome\r\n" + b"220-more text\r\n" * 10_000 + b"220 ready\r\n"
    report, _ = await run_plan(settings_for(hostile(payload)))
    finding = codes(report)["ftp.protocol_error"]
    assert "more than 1000 lines" in finding.evidence["problem"]


async def test_binary_garbage_greeting_is_not_ftp(hostile: Hostile) -> None:
    report, _ = await run_plan(settings_for(hostile(b"\x00\xff\xfe garbage \x01\x02\r\n")))
    finding = codes(report)["ftp.not_ftp"]
    assert finding.evidence["answered"] == "binary data"
    assert "\\x00" in finding.evidence["bytes"]


async def test_http_on_the_port_is_not_ftp_naming_http(hostile: Hostile) -> None:
    report, _ = await run_plan(settings_for(hostile(b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n")))
    assert "HTTP" in codes(report)["ftp.not_ftp"].evidence["answered"]


async def test_silent_server_is_no_greeting(peers: Peers) -> None:
    report, _ = await run_plan(settings_for(peers.tarpit()), timeout=1.0)
    assert codes(report)["ftp.no_greeting"].evidence["how"] == "timeout"


async def test_huge_reply_during_login_is_bounded_by_the_session(ftpd: Callable[..., FtpServer]) -> None:
    server = ftpd("plain", faults=("huge_user_reply",))
    report, _ = await run_plan(settings_for(server))
    finding = codes(report)["ftp.protocol_error"]
    assert "more than 1000 lines" in finding.summary
    assert "PASS" not in server.commands


@pytest.mark.parametrize("url", [
    "ftp://reader@127.0.0.1/in\x00/x", "ftp://reader@127.0.0.1/in\n/x", "ftp://reader@127.0.0.1:99999/in",
    "ftp://", "ftps+implicit://reader@[::1/in", "ftp://reader@127.0.0.1/in?x=1",
    "ftp://" + "a" * 1_000_000 + "/in",
])
def test_malformed_urls_are_one_settings_error(url: str) -> None:
    with pytest.raises(SettingsError) as err:
        get("ftp").settings(url)
    assert err.value.field in ("url", "host", "port_number")
    assert len(str(err.value)) < 400


def test_password_in_the_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as err:
        get("ftp").settings("ftp://reader:hunter2-secret@127.0.0.1/in")
    assert "hunter2-secret" not in str(err.value) and "--password-env" in err.value.message


def test_password_with_a_line_break_cannot_smuggle_a_command() -> None:
    with pytest.raises(SettingsError) as err:
        get("ftp").settings("ftp://reader@127.0.0.1/in", password="x\r\nDELE in/sales.csv")
    assert err.value.field == "password" and "DELE" not in err.value.message
