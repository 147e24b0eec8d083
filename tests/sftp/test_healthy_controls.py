"""Healthy controls (issue 10 §1): healthy servers reached in unusual but legal ways must pass.

Each runs the whole diagnosis against OpenSSH's real sshd; the verdict is PASS and there is no root
cause. (The CNAME-chain control lives beside the other DNS-through-sshd tests:
``test_sshd_layers.py::test_healthy_through_cname_at_the_given_resolver``.)
"""

from __future__ import annotations

import pytest

from sourcedoctor.model import Report, Verdict
from tests.fixtures.relay import LatencyRelay
from tests.sftp.helpers import codes, diagnose, facts, sshd_values

pytestmark = pytest.mark.sshd

#: RFC 4253 4.2: a server may send lines before its identification; they must not start "SSH-".
PRE_BANNER = b"Authorized use only.\r\nAll sessions are logged.\r\n"


def _healthy(report: Report, target: str) -> None:
    """A clean pass; under aep a loopback address is itself a warning (the cloud cannot reach it)."""
    if target == "aep":
        assert report.verdict is Verdict.WARN and set(codes(report)) == {"dns.private_address"}, \
            codes(report)
    else:
        assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None


@pytest.mark.parametrize("target", ["generic", "aep"])
async def test_text_lines_before_the_identification(sshd, target: str) -> None:
    with LatencyRelay(sshd.port, rtt=0.0, greeting=PRE_BANNER) as relay:
        report = await diagnose(target, **sshd_values(sshd, port=relay.port))
    _healthy(report, target)
    banner = facts(report, "ssh.banner")
    assert banner["pre_banner_lines"] == ["Authorized use only.", "All sessions are logged."]
    assert banner["software"].startswith("OpenSSH_")


@pytest.mark.parametrize("target", ["generic", "aep"])
async def test_200ms_round_trip(sshd, target: str) -> None:
    # 10 s: the CLI's default --timeout (aep adds the parallel logins and offset reads)
    with LatencyRelay(sshd.port, rtt=0.2) as relay:
        report = await diagnose(target, timeout=10.0, **sshd_values(sshd, port=relay.port))
        round_trips = relay.round_trips
    _healthy(report, target)
    # The relay really was in the path: the banner needed at least the one-way delay.
    assert facts(report, "ssh.banner")["banner_ms"] >= 100
    assert round_trips > 0
