"""The client-compatibility matrix against real servers that each offer algorithms one stack lacks.

Every row the matrix shows is checked against the real thing on the very same server: asyncssh's
computed verdict against an asyncssh connection attempt, paramiko's row (itself a key exchange the
module runs) against a second, independent paramiko ``Transport`` in the test, OpenSSH's computed
row against the real ``ssh`` client in batch mode. The platform's row (SSH.NET lists) has no client
on this machine; its verdict follows from the lists the module documents.

Servers: OpenSSH's sshd (9.2 here) for every offer it can make; post-quantum ML-KEM
(``mlkem768x25519-sha256``) is not in this sshd, so that offer comes from the embedded asyncssh
server, which has it.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
from typing import Any

import asyncssh
import paramiko
import pytest

from sourcedoctor.config.secrets import Redactor
from sourcedoctor.connectors.sftp.demo.server import DemoServer, ServerOptions
from sourcedoctor.model import Verdict
from sourcedoctor.report import to_html, to_markdown, to_text
from tests.fixtures.embedded import ThreadedServer
from tests.sftp.helpers import codes, diagnose, facts, failing, sshd_values

pytestmark = pytest.mark.sshd

# Server offers chosen so that the stacks disagree (OpenSSH 9.2 on Debian 12 as the server).
ONLY_SNTRUP = {"KexAlgorithms": "sntrup761x25519-sha512@openssh.com"}
ONLY_CHACHA = {"Ciphers": "chacha20-poly1305@openssh.com"}
ONLY_GCM = {"Ciphers": "aes256-gcm@openssh.com"}
ONLY_ETM = {"Ciphers": "aes128-ctr", "MACs": "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"}
ONLY_SSH_RSA = {"HostKeyAlgorithms": "ssh-rsa", "PubkeyAcceptedAlgorithms": "+ssh-rsa"}
#: Everything SHA-1: key exchange, host-key signature and MAC (a server nobody updated since 2015).
ONLY_SHA1 = {"KexAlgorithms": "diffie-hellman-group14-sha1", "HostKeyAlgorithms": "ssh-rsa",
             "Ciphers": "aes128-ctr", "MACs": "hmac-sha1"}


def rows(report: Any) -> dict[str, dict[str, Any]]:
    return {row["stack"]: row for row in facts(report, "ssh.compat")["matrix"]}


async def asyncssh_connects(port: int) -> bool:
    """A real asyncssh client: does the key exchange succeed (auth is expected to fail after it)?"""
    try:
        conn = await asyncio.wait_for(asyncssh.connect(
            "127.0.0.1", port, username="nobody", known_hosts=None, password=None,
            client_keys=None, agent_path=None, preferred_auth="none"), 10)
    except asyncssh.PermissionDenied:
        return True  # keys were exchanged; only the login was refused
    except (asyncssh.KeyExchangeFailed, asyncssh.ProtocolNotSupported):
        return False
    except asyncssh.Error:
        return False
    conn.close()
    return True


def paramiko_connects(port: int) -> bool:
    """A real paramiko client of its own (not the module's code): does its key exchange finish?"""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=10)
        return transport.is_active()
    except paramiko.SSHException:
        return False
    finally:
        transport.close()
        sock.close()


def openssh_kex() -> set[str]:
    """The key exchanges this machine's OpenSSH client knows (``ssh -Q kex``)."""
    return set(subprocess.run(["ssh", "-Q", "kex"], capture_output=True, text=True, timeout=10,
                              check=True).stdout.split())


def openssh_connects(port: int) -> bool:
    """The real OpenSSH client, batch mode, no user config: does it get past the key exchange?"""
    proc = subprocess.run(
        ["ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "PreferredAuthentications=none",
         "-o", "ConnectTimeout=5", "-p", str(port), "nobody@127.0.0.1", "true"],
        capture_output=True, text=True, timeout=20, check=False, stdin=subprocess.DEVNULL)
    return "Permission denied" in proc.stderr


async def matrix_for(sshd_factory, options: dict[str, str], target: str = "aep") -> tuple[Any, Any]:
    server = sshd_factory(options=options, host_key_types=("ed25519", "rsa"))
    report = await diagnose(target=target, **sshd_values(server))
    return server, report


@pytest.mark.parametrize(("options", "expected"), [
    (ONLY_CHACHA, {"asyncssh": True, "paramiko": False, "openssh": True, "sshnet-2023": False}),
    (ONLY_GCM, {"asyncssh": True, "paramiko": True, "openssh": True, "sshnet-2023": False}),
    (ONLY_ETM, {"asyncssh": True, "paramiko": True, "openssh": True, "sshnet-2023": False}),
    (ONLY_SSH_RSA, {"asyncssh": True, "paramiko": False, "openssh": False, "sshnet-2023": True}),
    (ONLY_SNTRUP, {"asyncssh": False, "paramiko": False, "openssh": True, "sshnet-2023": False}),
    (ONLY_SHA1, {"asyncssh": True, "paramiko": False, "openssh": False, "sshnet-2023": True}),
], ids=["chacha20-only", "aes256-gcm-only", "etm-macs-only", "ssh-rsa-only", "sntrup-only", "sha1-only"])
async def test_matrix_matches_real_clients(sshd_factory, options, expected) -> None:
    server, report = await matrix_for(sshd_factory, options)
    matrix = rows(report)
    assert {name: matrix[name]["ok"] for name in expected} == expected
    # The rows agree with real clients on this very server.
    assert await asyncssh_connects(server.port) is expected["asyncssh"]
    assert await asyncio.to_thread(paramiko_connects, server.port) is expected["paramiko"]
    assert openssh_connects(server.port) is expected["openssh"]
    assert matrix["paramiko"]["method"] == "negotiated"
    if not expected["paramiko"]:
        assert matrix["paramiko"]["error"]  # paramiko's own words on why it stopped


async def test_post_quantum_mlkem_only(tmp_path) -> None:
    """Only ML-KEM key exchange (the embedded asyncssh server: this sshd has none): asyncssh and
    paramiko negotiate it, SSH.NET's lists do not have it, OpenSSH only from 9.9 on."""
    demo = ThreadedServer(DemoServer(options=ServerOptions(kex_algs=("mlkem768x25519-sha256",))))
    server = demo.start()
    try:
        report = await diagnose(target="aep", host="127.0.0.1", port=server.port, user=server.user,
                                password=server.password, folder="inbound",
                                host_key_fingerprint=server.fingerprint)
        matrix = rows(report)
        has_mlkem = "mlkem768x25519-sha256" in openssh_kex()
        assert matrix["asyncssh"]["ok"] and matrix["asyncssh"]["agreed"]["kex"] == "mlkem768x25519-sha256"
        assert matrix["paramiko"]["ok"] and matrix["paramiko"]["agreed"]["kex"] == "mlkem768x25519-sha256"
        assert matrix["openssh"]["ok"] is has_mlkem
        assert matrix["sshnet-2023"]["missing"] == ["kex"]
        assert await asyncssh_connects(server.port) is True
        assert await asyncio.to_thread(paramiko_connects, server.port) is True
        assert openssh_connects(server.port) is has_mlkem
        assert failing(report) == "ssh.client_incompatible"
        finding = next(f for c in report.checks for f in c.findings if f.code == "ssh.client_incompatible")
        assert finding.evidence["server_offers"] == {"kex": ["mlkem768x25519-sha256"]}
        assert finding.fix[0].startswith(
            "In sshd_config, add to KexAlgorithms: KexAlgorithms +curve25519-sha256")
    finally:
        demo.stop()


async def test_matrix_and_fix_in_every_report_format(sshd_factory) -> None:
    """Text, Markdown and HTML each show the matrix (one row per stack) and the sshd_config line."""
    _, report = await matrix_for(sshd_factory, ONLY_CHACHA)
    redactor = Redactor()
    text = to_text(report, redactor, width=200)
    markdown = to_markdown(report, redactor)
    html = to_html(report, redactor)
    labels = [row["label"] for row in rows(report).values()]
    assert len(labels) == 4  # asyncssh, paramiko, OpenSSH, the platform's client
    for rendered in (text, markdown, html):
        assert "Client compatibility" in rendered
        for label in labels:
            assert label.split(" (")[0] in rendered, (label, rendered[:400])
        assert "chacha20-poly1305@openssh.com" in rendered
        assert "Ciphers +aes256-ctr" in rendered
    # The app's detail pane for the same check: one line per stack, the platform's marked failing.
    from sourcedoctor.tui.widgets.check_detail import render_result

    compat_result = report.result("ssh.compat")
    assert compat_result is not None
    pane = render_result(compat_result).plain
    assert "✗ platform client (SSH.NET 2023 lists) — no cipher" in pane
    assert all(label in pane for label in labels)


async def test_target_client_incompatible_is_the_root_cause(sshd_factory) -> None:
    # asyncssh (and OpenSSH) connect, the platform's client has no cipher in common.
    _, report = await matrix_for(sshd_factory, ONLY_CHACHA)
    assert failing(report) == "ssh.client_incompatible"
    finding = next(f for c in report.checks for f in c.findings if f.code == "ssh.client_incompatible")
    assert finding.evidence["missing"] == ["cipher"]
    assert any(step.startswith("In sshd_config, add to Ciphers: Ciphers +aes256-ctr") for step in finding.fix)
    # The rest of the diagnosis still ran: our own client got through.
    assert facts(report, "ssh.auth")["method_used"] == "password"


async def test_fix_is_right_on_a_real_server(sshd_factory) -> None:
    # Apply the suggested line to the server's config: the finding goes away.
    _, report = await matrix_for(sshd_factory, ONLY_ETM)
    assert failing(report) == "ssh.client_incompatible"
    _, fixed = await matrix_for(sshd_factory, {**ONLY_ETM, "MACs": ONLY_ETM["MACs"] + ",hmac-sha2-256"})
    assert "ssh.client_incompatible" not in codes(fixed)
    assert rows(fixed)["sshnet-2023"]["ok"] is True


async def test_generic_target_has_no_platform_row_and_no_finding(sshd_factory) -> None:
    _, report = await matrix_for(sshd_factory, ONLY_CHACHA, target="generic")
    assert "sshnet-2023" not in rows(report)
    assert "ssh.client_incompatible" not in codes(report)
    assert report.verdict is Verdict.PASS, codes(report)


async def test_default_server_is_compatible_everywhere(sshd) -> None:
    report = await diagnose(target="aep", **sshd_values(sshd))
    matrix = rows(report)
    assert all(row["ok"] for row in matrix.values()), matrix
    assert "ssh.client_incompatible" not in codes(report)
