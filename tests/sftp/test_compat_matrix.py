"""The client-compatibility matrix against real sshd instances that each offer algorithms one stack lacks.

Every row the matrix computes is checked against the real thing: asyncssh's verdict against an
asyncssh connection attempt, paramiko's row is itself a real paramiko key exchange, OpenSSH's row
against the real ``ssh`` client in batch mode. The platform's row (SSH.NET lists) has no client on
this machine; its verdict follows from the lists the module documents.
"""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import asyncssh
import pytest

from sourcedoctor.model import Verdict
from tests.sftp.helpers import codes, diagnose, facts, failing, sshd_values

pytestmark = pytest.mark.sshd

# Server offers chosen so that the stacks disagree (OpenSSH 9.2 on Debian 12 as the server).
ONLY_SNTRUP = {"KexAlgorithms": "sntrup761x25519-sha512@openssh.com"}
ONLY_CHACHA = {"Ciphers": "chacha20-poly1305@openssh.com"}
ONLY_GCM = {"Ciphers": "aes256-gcm@openssh.com"}
ONLY_ETM = {"Ciphers": "aes128-ctr", "MACs": "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"}
ONLY_SSH_RSA = {"HostKeyAlgorithms": "ssh-rsa", "PubkeyAcceptedAlgorithms": "+ssh-rsa"}


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
], ids=["chacha20-only", "aes256-gcm-only", "etm-macs-only", "ssh-rsa-only", "sntrup-only"])
async def test_matrix_matches_real_clients(sshd_factory, options, expected) -> None:
    server, report = await matrix_for(sshd_factory, options)
    matrix = rows(report)
    assert {name: matrix[name]["ok"] for name in expected} == expected
    # The computed rows agree with real clients on this very server.
    assert await asyncssh_connects(server.port) is expected["asyncssh"]
    assert openssh_connects(server.port) is expected["openssh"]
    assert matrix["paramiko"]["method"] == "negotiated"


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
