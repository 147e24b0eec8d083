"""Healthy controls (issue 10 §1): healthy servers reached in unusual but legal ways must pass.

Each runs the whole diagnosis against OpenSSH's real sshd; the verdict is PASS and there is no root
cause. (The CNAME-chain control lives beside the other DNS-through-sshd tests:
``test_sshd_layers.py::test_healthy_through_cname_at_the_given_resolver``.)
"""

from __future__ import annotations

import pytest

from sourcedoctor.model import Verdict
from tests.fixtures.relay import LatencyRelay
from tests.sftp.helpers import codes, diagnose, facts, sshd_values

pytestmark = pytest.mark.sshd

#: RFC 4253 4.2: a server may send lines before its identification; they must not start "SSH-".
PRE_BANNER = b"Authorized use only.\r\nAll sessions are logged.\r\n"


async def test_text_lines_before_the_identification(sshd) -> None:
    with LatencyRelay(sshd.port, rtt=0.0, greeting=PRE_BANNER) as relay:
        report = await diagnose(**sshd_values(sshd, port=relay.port))
    assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None
    banner = facts(report, "ssh.banner")
    assert banner["pre_banner_lines"] == ["Authorized use only.", "All sessions are logged."]
    assert banner["software"].startswith("OpenSSH_")


async def test_200ms_round_trip(sshd) -> None:
    with LatencyRelay(sshd.port, rtt=0.2) as relay:
        report = await diagnose(timeout=10.0, **sshd_values(sshd, port=relay.port))
        round_trips = relay.round_trips
    assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None
    # The relay really was in the path: the banner needed at least the one-way delay.
    assert facts(report, "ssh.banner")["banner_ms"] >= 100
    assert round_trips > 0
