"""The parallel-read probe's extra connections (aep) open during the diagnosis login (issue 10 §4).

Their key exchanges overlap the diagnosis connection's login; each holds its own login back until
that one is known. These tests hold the safety promises that come with opening them early, against
OpenSSH's sshd behind a latency relay (so the login is still running when they open):
- a failed diagnosis login makes no attempt on the extra connections: sshd's log names the user
  for one connection only, and counts one failed password;
- the connections open at once never exceed ``--max-connections`` where the server sees them,
  the compatibility layer's paramiko connection included;
- the compatibility layer, now started as soon as TCP connects, ends with the banner layer when
  the port does not speak SSH (no timeout of its own, no thread left waiting).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import paramiko
import pytest

from sourcedoctor.model import Status, Verdict
from tests.fixtures.relay import LatencyRelay
from tests.fixtures.sshd import USER, SshdServer
from tests.sftp.helpers import codes, diagnose, facts, failing, sshd_values

pytestmark = pytest.mark.sshd

RTT = 0.1


def _through(relay: LatencyRelay, server: SshdServer, **overrides: Any) -> dict[str, Any]:
    values = sshd_values(server, **overrides)
    values["port"] = relay.port
    return values


async def test_a_failed_login_is_tried_on_one_connection_only(sshd_factory: Any) -> None:
    """The extra connections were opened (the relay saw four), yet only the diagnosis connection
    sent the user name: one "Failed password", one "authenticating user" in sshd's log."""
    server = sshd_factory(options={"UsePAM": "no"})  # a rejection without PAM's 2 s delay
    # Far enough that the login (5 round trips) is still running when they open (paramiko's
    # exchange, 2 round trips, and COMPAT_SETTLE after TCP connects).
    with LatencyRelay(server.port, rtt=0.2) as relay:
        report = await diagnose("aep", **_through(relay, server, password="wrong-password"))
        opened = relay.connections
    assert failing(report) == "auth.password_rejected"
    logins = report.result("sftp.parallel_logins")
    assert logins is not None and logins.status is Status.SKIP
    assert logins.blocked_by == "ssh.auth"
    assert opened == 4, opened  # diagnosis, compatibility, and the two extra connections
    # sshd logs a connection's close as it ends: wait for paramiko's and the probe's.
    log = await _log_when(server, lambda text: len(_UNNAMED_CLOSE.findall(text)) >= 3)
    failed = re.findall(rf"Failed password for {USER} from \S+ port (\d+)", log)
    assert len(failed) == 1, log
    named = set(re.findall(rf"user {USER} \S+ port (\d+)", log))
    assert named <= set(failed), log  # no other connection named the user
    assert len(_UNNAMED_CLOSE.findall(log)) == 3, log  # paramiko's and the two probe connections


#: sshd's line for a connection closed before any user name arrived.
_UNNAMED_CLOSE = re.compile(r"Connection closed by [0-9.]+ port \d+ \[preauth\]")


async def _log_when(server: SshdServer, ready: Callable[[str], bool], wait: float = 5.0) -> str:
    deadline = time.monotonic() + wait
    text = server.log_text()
    while not ready(text) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        text = server.log_text()
    return text


@pytest.mark.parametrize("limit", [3, 2])
async def test_no_false_alarm_from_a_server_that_takes_exactly_that_many(sshd_factory: Any,
                                                                        limit: int) -> None:
    """``MaxStartups N`` with ``--max-connections N``: sshd drops a connection beyond N that has not
    logged in yet. The probe's connections open while the diagnosis login may still run, so
    paramiko's connection must be gone from sshd's count by then, or one of them would be dropped:
    a false concurrency_limited. Asked of sshd itself (its log), not counted at the relay."""
    server = sshd_factory(options={"MaxStartups": str(limit)})
    with LatencyRelay(server.port, rtt=RTT) as relay:
        report = await diagnose("aep", **_through(relay, server, max_connections=limit))
    assert report.root_cause is None, codes(report)
    assert "sftp.concurrency_limited" not in codes(report)
    assert facts(report, "sftp.parallel_logins")["logged_in"] == limit
    assert facts(report, "sftp.files")["parallel_probe"]["succeeded"] == limit
    assert "drop connection" not in server.log_text()


@pytest.mark.parametrize("peer", ["http_server", "tarpit"])
async def test_compatibility_layer_ends_with_a_port_that_is_not_ssh(peers: Any, peer: str) -> None:
    """Started as soon as TCP connects, the compatibility layer's paramiko connection must end with
    the banner layer's verdict: a port that answers something else, or never answers, costs no
    timeout of its own and leaves no thread waiting out paramiko's."""
    server = getattr(peers, peer)()
    t0 = time.monotonic()
    report = await diagnose("aep", timeout=1.0, host="127.0.0.1", port=server.port,
                            user=USER, password="x", folder="data")
    assert failing(report) == ("ssh.not_ssh" if peer == "http_server" else "ssh.banner_timeout")
    compat = report.result("ssh.compat")
    assert compat is not None and compat.status is Status.SKIP
    assert compat.blocked_by == "ssh.banner"
    assert "check.timeout" not in codes(report)
    assert time.monotonic() - t0 < 2.5  # the banner's budget, not the layer's (3.5 x --timeout)
    assert report.verdict is Verdict.FAIL
    for thread in _paramiko_threads():
        await asyncio.to_thread(thread.join, 2.0)
    assert not _paramiko_threads()  # paramiko's thread ended with the run


def _paramiko_threads() -> list[threading.Thread]:
    """Worker threads still inside paramiko's exchange (its Transport is a thread too)."""
    return [t for t in threading.enumerate() if isinstance(t, paramiko.Transport) and t.is_alive()]
