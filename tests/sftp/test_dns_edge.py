"""DNS and address edge cases against real peers: a CNAME loop and an over-long CNAME chain served
by dnsmasq, a trailing-dot name, a name too long to ask about, and an IPv6 link-local address with
a zone id (in a network namespace of the test's own)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from sourcedoctor.model import Status
from tests.fixtures.dnsmasq import LONG_CHAIN, LOOP
from tests.sftp.helpers import diagnose, facts, failing, status
from tests.support import require_binary, require_root


def _values(host: str, port: int = 22, **kw: Any) -> dict[str, Any]:
    return {"host": host, "port": port, "user": "bob", "password": "irrelevant-pw", **kw}


@pytest.mark.dnsmasq
def test_fixture_serves_the_loop_and_the_long_chain(dnsmasq) -> None:  # type: ignore[no-untyped-def]
    """dnsmasq itself answers NOERROR with the CNAMEs (what a client must make sense of)."""
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype

    for name, least in ((LOOP[0], 2), (LONG_CHAIN[0], 17)):
        reply = dns.query.udp(dns.message.make_query(name, "A"), dnsmasq.address,
                              port=dnsmasq.port, timeout=3)
        assert reply.rcode() == dns.rcode.NOERROR
        cnames = [r for r in reply.answer if r.rdtype == dns.rdatatype.CNAME]
        assert len(cnames) >= least, reply


@pytest.mark.dnsmasq
@pytest.mark.parametrize("name", LOOP)
async def test_cname_loop_is_named(dnsmasq, name: str) -> None:  # type: ignore[no-untyped-def]
    report = await diagnose(**_values(name, resolver=dnsmasq.resolver, timeout=2.0))
    assert failing(report) == "dns.cname_loop"
    finding = report.result("dns.resolve").findings[0]  # type: ignore[union-attr]
    chain = finding.evidence["chain"]
    assert chain[0] == f"{name}." and chain[-1] == chain[0]  # back where it started
    assert {f"{n}." for n in LOOP} == set(chain)
    assert finding.evidence["resolver"] == dnsmasq.resolver
    assert status(report, "tcp.connect") == Status.SKIP


@pytest.mark.dnsmasq
async def test_overlong_cname_chain_is_named(dnsmasq) -> None:  # type: ignore[no-untyped-def]
    report = await diagnose(**_values(LONG_CHAIN[0], resolver=dnsmasq.resolver, timeout=2.0))
    assert failing(report) == "dns.cname_chain_too_long"
    chain = report.result("dns.resolve").findings[0].evidence["chain"]  # type: ignore[union-attr]
    assert chain[:3] == [f"{n}." for n in LONG_CHAIN[:3]] and len(set(chain)) == len(chain)


@pytest.mark.dnsmasq
async def test_short_chain_still_resolves(dnsmasq, peers) -> None:  # type: ignore[no-untyped-def]
    """The loop detection does not touch ordinary aliases (chain.test: two CNAMEs)."""
    report = await diagnose(**_values("chain.test", peers.refused_port().port,
                                      resolver=dnsmasq.resolver))
    assert status(report, "dns.resolve") == Status.PASS
    assert failing(report) == "tcp.refused"


@pytest.mark.dnsmasq
async def test_trailing_dot_name_resolves(dnsmasq, peers) -> None:  # type: ignore[no-untyped-def]
    report = await diagnose(**_values("ok.test.", peers.refused_port().port,
                                      resolver=dnsmasq.resolver))
    assert status(report, "config.settings") == Status.PASS
    assert facts(report, "dns.resolve")["addresses"] == ["127.0.0.1"]
    assert failing(report) == "tcp.refused"


def _cli(*args: str, env: dict[str, str] | None = None,
         netns: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = ["sourcedoctor", "check", *args, "--format", "json", "--no-prompt"]
    if netns is not None:
        argv = ["ip", "netns", "exec", netns, *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=90, check=False,
                          env={**os.environ, **(env or {})})


@pytest.mark.dnsmasq
def test_cli_names_the_cname_loop(dnsmasq) -> None:  # type: ignore[no-untyped-def]
    proc = _cli(f"sftp://bob@{LOOP[0]}/x", "--resolver", dnsmasq.resolver, "--timeout", "2",
                "--password-env", "DNS_EDGE_PW", env={"DNS_EDGE_PW": "x"})
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["root_cause"]["code"] == "dns.cname_loop"
    assert "Traceback" not in proc.stderr


@pytest.mark.dnsmasq
def test_cli_overlong_label_never_reaches_the_resolver(dnsmasq) -> None:  # type: ignore[no-untyped-def]
    name = "x" * 64 + ".test"
    proc = _cli(f"sftp://bob@{name}/x", "--resolver", dnsmasq.resolver)
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    assert report["root_cause"]["code"] == "config.invalid"
    assert report["checks"][0]["findings"][0]["evidence"]["field"] == "host"
    assert name not in dnsmasq.log_text()  # refused before any network use


# --- IPv6 link-local with a zone id ----------------------------------------------------------

_SERVER = """
import asyncio, json
from sourcedoctor.connectors.sftp.demo.server import DemoServer
async def main():
    async with DemoServer(host="fe80::1%lo") as demo:
        print(json.dumps({"port": demo.port, "fingerprint": demo.fingerprint,
                          "user": demo.user, "password": demo.password}), flush=True)
        await asyncio.sleep(120)
asyncio.run(main())
"""


@pytest.fixture
def link_local_namespace() -> Iterator[str]:
    """A network namespace of our own whose ``lo`` has fe80::1/64 (so ``%lo`` is a real zone)."""
    require_root("network namespaces")
    ip = require_binary("ip", "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip")
    name = f"sdt-zone-{secrets.token_hex(3)}"
    subprocess.run([ip, "netns", "add", name], check=True, capture_output=True, timeout=30)
    try:
        for argv in (["link", "set", "lo", "up"],
                     ["-6", "addr", "add", "fe80::1/64", "dev", "lo", "nodad"]):
            subprocess.run([ip, "-n", name, *argv], check=True, capture_output=True, timeout=30)
        yield name
    finally:
        subprocess.run([ip, "netns", "del", name], capture_output=True, timeout=30, check=False)


@pytest.mark.netns
def test_zone_id_url_reaches_a_link_local_server(link_local_namespace: str) -> None:
    """``sftp://USER@[fe80::1%25lo]:PORT/…`` decodes the zone and the whole diagnosis passes."""
    server = subprocess.Popen(
        ["ip", "netns", "exec", link_local_namespace, sys.executable, "-c", _SERVER],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        proc = _cli(f"sftp://{info['user']}@[fe80::1%25lo]:{info['port']}/inbound",
                    "--password-env", "ZONE_PW", "--host-key-fingerprint", info["fingerprint"],
                    "--timeout", "5", env={"ZONE_PW": info["password"]},
                    netns=link_local_namespace)
    finally:
        server.kill()
        server.wait(10)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["verdict"] == "pass"
    assert report["target"]["host"] == "fe80::1%lo"
    assert "[fe80::1%25lo]" in report["command"]  # the reproduce command is a valid URL again


@pytest.mark.dnsmasq
async def test_a_name_dns_cannot_carry_is_never_blamed_on_the_resolver(dnsmasq) -> None:  # type: ignore[no-untyped-def]
    """Behind the settings validation: should such a name reach the DNS layer anyway, it is
    config.invalid, not dns.servfail (dnspython refuses it before asking)."""
    from sourcedoctor.checks.dns import _failure, classify, resolve_with_dnspython

    name = "y" * 64 + ".test"
    res, described = await resolve_with_dnspython(name, (dnsmasq.address, dnsmasq.port), 2.0)
    assert classify(res) == "bad_name"
    finding = _failure(classify(res), name, described, res)
    assert finding.code == "config.invalid" and finding.evidence["field"] == "host"
