"""DNS, TCP and banner layers against real peers: dnsmasq, namespaces, non-SSH servers."""

from __future__ import annotations

import time

import pytest

from sourcedoctor.model import Status, Verdict
from tests.sftp.helpers import codes, diagnose, facts, failing, status


def _values(host: str, port: int = 22, **kw: object) -> dict[str, object]:
    return {"host": host, "port": port, "user": "bob", "password": "irrelevant-pw", **kw}


@pytest.mark.dnsmasq
@pytest.mark.parametrize(("name", "code"), [
    ("missing.test", "dns.nxdomain"),
    ("txtonly.test", "dns.no_answer"),
    ("servfail.test", "dns.servfail"),
])
async def test_dns_failures(dnsmasq, name: str, code: str) -> None:
    report = await diagnose(**_values(name, resolver=dnsmasq.resolver))
    assert failing(report) == code
    assert report.result("dns.resolve").findings[0].evidence["resolver"] == dnsmasq.resolver  # type: ignore[union-attr]
    assert status(report, "tcp.connect") == Status.SKIP


async def test_dns_timeout(silent_dns) -> None:
    t0 = time.monotonic()
    report = await diagnose(timeout=1.0, **_values("ok.test", resolver=silent_dns.resolver))
    assert failing(report) == "dns.timeout"
    assert time.monotonic() - t0 < 3.0


@pytest.mark.dnsmasq
async def test_dns_cname_chain_and_private_address(dnsmasq, peers) -> None:
    refused = peers.refused_port()
    report = await diagnose(**_values("alias.test", refused.port, resolver=dnsmasq.resolver))
    assert facts(report, "dns.resolve")["cname_chain"] == ["ok.test."]
    assert facts(report, "dns.resolve")["addresses"] == ["127.0.0.1"]
    assert "dns.private_address" not in codes(report)  # generic: no cloud rule
    aep = await diagnose("aep", **_values("private.test", resolver=dnsmasq.resolver, timeout=0.5))
    assert "dns.private_address" in codes(aep)
    assert aep.result("dns.resolve").status == Status.WARN  # type: ignore[union-attr]


async def test_tcp_refused(peers) -> None:
    report = await diagnose(**_values("127.0.0.1", peers.refused_port().port))
    assert failing(report) == "tcp.refused"
    fix = " ".join(report.root_cause.fix)  # type: ignore[union-attr]
    assert "SFTP is usually 22" in fix and "HTTPS" not in fix  # SFTP's own port only


@pytest.mark.netns
async def test_tcp_timeout_is_bounded(filtered_host) -> None:
    t0 = time.monotonic()
    report = await diagnose(timeout=1.0, **_values(filtered_host.address, filtered_host.port))
    elapsed = time.monotonic() - t0
    assert failing(report) == "tcp.timeout"
    assert elapsed < 2.0


@pytest.mark.netns
async def test_tcp_unreachable(unreachable_host) -> None:
    report = await diagnose(timeout=1.0, **_values(unreachable_host.address))
    assert failing(report) == "tcp.unreachable"


@pytest.mark.parametrize(("peer", "answered"), [
    ("ftp_greeting", "FTP"), ("http_server", "HTTP"), ("tls_server", "TLS"), ("garbage", ""),
])
async def test_not_ssh_names_what_answered(peers, peer: str, answered: str) -> None:
    p = getattr(peers, peer)()
    report = await diagnose(timeout=2.0, **_values("127.0.0.1", p.port))
    assert failing(report) == "ssh.not_ssh"
    assert answered in report.result("ssh.banner").findings[0].evidence["answered"]  # type: ignore[union-attr]


async def test_banner_timeout_on_tarpit(peers) -> None:
    t0 = time.monotonic()
    report = await diagnose(timeout=1.0, **_values("127.0.0.1", peers.tarpit().port))
    assert failing(report) == "ssh.banner_timeout"
    assert time.monotonic() - t0 < 2.5


@pytest.mark.parametrize("rst", [False, True])
async def test_closed_before_banner(peers, rst: bool) -> None:
    report = await diagnose(timeout=2.0, **_values("127.0.0.1", peers.closer(rst=rst).port))
    assert failing(report) == "ssh.closed_before_banner"


async def test_ip_literal_skips_dns(peers) -> None:
    report = await diagnose(**_values("127.0.0.1", peers.refused_port().port))
    assert facts(report, "dns.resolve")["ip_literal"] is True
    assert report.verdict is Verdict.FAIL


@pytest.mark.parametrize("after_banner", [
    b"\xff" * 64,  # an absurd packet length
    b"\x00\x00\x00\x0c\x0a\x14" + b"\x00" * 10,  # a packet cut short, then the peer closes
])
async def test_banner_then_junk_is_a_protocol_error(peers, after_banner: bytes) -> None:
    peer = peers.garbage(b"SSH-2.0-Imitation_1.0\r\n" + after_banner)
    report = await diagnose(timeout=2.0, **_values("127.0.0.1", peer.port))
    assert failing(report) == "ssh.protocol_error"
    assert facts(report, "ssh.banner")["software"] == "Imitation_1.0"


async def test_banner_then_silence_is_a_transport_timeout(peers) -> None:
    peer = peers.garbage(b"SSH-2.0-Quiet_1.0\r\n")
    t0 = time.monotonic()
    report = await diagnose(timeout=1.0, **_values("127.0.0.1", peer.port))
    assert failing(report) == "check.timeout"
    assert report.root_cause is not None and report.root_cause.check == "ssh.transport"
    assert time.monotonic() - t0 < 3.0
