"""Odd banners and odd pins (issue 11 §7): slow, non-ASCII, control characters, garbage pins.

Real peers (``tests/fixtures/peers.py``) and OpenSSH's sshd; the CLI as a subprocess where the exit
code is the point.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from sourcedoctor import api
from sourcedoctor.connectors.sftp.pins import parse_pins
from sourcedoctor.connectors.sftp.settings import SettingsError
from sourcedoctor.model import Status
from tests.fixtures import peers as tcp_peers
from tests.sftp.helpers import diagnose, facts, failing, sshd_values, status


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)


def _check_json(port: int, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict]:  # type: ignore[type-arg]
    proc = cli("check", f"sftp://bob@127.0.0.1:{port}/in", "--no-prompt", "--format", "json", *extra)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout)


# -- a slow banner is late, not "not SSH" ----------------------------------------------------------


def test_banner_one_byte_per_second_is_a_banner_timeout() -> None:
    with tcp_peers.dribble(b"SSH-2.0-OpenSSH_9.2\r\n", interval=1.0) as peer:
        proc, report = _check_json(peer.port, "--timeout", "3")
    assert proc.returncode == 1
    assert report["root_cause"]["code"] == "ssh.banner_timeout"
    banner = next(c for c in report["checks"] if c["id"] == "ssh.banner")
    evidence = banner["findings"][0]["evidence"]
    assert evidence["partial_identification"].startswith("SS")
    assert "SSH-2.0-OpenSSH_9.2".startswith(evidence["partial_identification"])


async def test_slow_banner_that_completes_in_time_passes_the_banner_layer() -> None:
    with tcp_peers.dribble(b"SSH-2.0-Slow_1.0\r\n", interval=0.03) as peer:
        report = await diagnose(timeout=2.0, host="127.0.0.1", port=peer.port, user="bob",
                                password="irrelevant-pw")
    assert status(report, "ssh.banner") == Status.PASS
    assert facts(report, "ssh.banner")["software"] == "Slow_1.0"


async def test_half_a_banner_then_close_is_closed_before_banner() -> None:
    with tcp_peers.send_then_close(b"SSH-2.0-Open") as peer:
        report = await diagnose(timeout=2.0, host="127.0.0.1", port=peer.port, user="bob",
                                password="irrelevant-pw")
    assert failing(report) == "ssh.closed_before_banner"


async def test_other_protocols_are_still_not_ssh() -> None:
    # The same slow delivery, but the bytes can never become "SSH-": still not SSH.
    with tcp_peers.dribble(b"220 FTP ready\r\n", interval=0.2) as peer:
        report = await diagnose(timeout=1.0, host="127.0.0.1", port=peer.port, user="bob",
                                password="irrelevant-pw")
    assert failing(report) == "ssh.not_ssh"


# -- server text is decoded leniently and shown escaped ----------------------------------------------


def test_non_ascii_banner_is_shown_escaped_never_a_decode_error() -> None:
    with tcp_peers.garbage(b"SSH-2.0-Serv\xe9ur_1.0 caf\xc3\xa9\r\n") as peer:
        proc, report = _check_json(peer.port, "--timeout", "2")
    assert proc.returncode == 1
    assert "UnicodeDecodeError" not in proc.stdout + proc.stderr
    banner = next(c for c in report["checks"] if c["id"] == "ssh.banner")
    assert banner["status"] == "pass"
    assert banner["facts"]["identification"] == "SSH-2.0-Serv\\xe9ur_1.0 caf\\xc3\\xa9"
    assert report["root_cause"]["code"] == "ssh.protocol_error"
    assert report["root_cause"]["check"] == "ssh.transport"


@pytest.mark.sshd
async def test_non_ascii_version_addendum_on_real_sshd(sshd_factory) -> None:
    server = sshd_factory(options={"VersionAddendum": "Café"})
    report = await diagnose(**sshd_values(server))
    assert facts(report, "ssh.banner")["identification"].endswith("Caf\\xc3\\xa9")
    assert status(report, "ssh.banner") == Status.PASS
    assert failing(report) == "ssh.protocol_error"
    finding = report.result("ssh.transport").findings[0]  # type: ignore[union-attr]
    assert finding.evidence["reason"] == "identification_not_ascii"
    assert "UnicodeDecodeError" not in json.dumps(report.to_dict())


async def test_control_characters_before_the_banner_are_escaped() -> None:
    with tcp_peers.garbage(b"\x1b[2J\x1b]0;owned\x07hi\r\nSSH-2.0-Quiet_1.0\r\n") as peer:
        report = await diagnose(timeout=1.0, host="127.0.0.1", port=peer.port, user="bob",
                                password="irrelevant-pw")
    lines = facts(report, "ssh.banner")["pre_banner_lines"]
    assert lines == ["\\x1b[2J\\x1b]0;owned\\x07hi"]
    assert not any(ord(c) < 32 for line in lines for c in line)


# -- a malformed pin is a usage error, not an interception warning ------------------------------------


def test_garbage_fingerprint_is_a_usage_error_before_any_connection() -> None:
    with tcp_peers.tarpit() as peer:
        proc = cli("check", f"sftp://bob@127.0.0.1:{peer.port}/in", "--no-prompt",
                   "--host-key-fingerprint", "garbage")
        connections = peer.connections
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "host_key_fingerprint" in lines[0]
    assert "SHA256:" in lines[0] and "MD5:" in lines[0]
    assert "hostkey_mismatch" not in proc.stdout + proc.stderr
    assert connections == 0


@pytest.mark.parametrize("text", [
    "garbage", "SHA256:short", "SHA256:" + "A" * 42, "MD5:zz" + ":00" * 15, "SHA1:" + "A" * 27,
    "SHA256:" + "A" * 43 + ",nope", ",",
])
def test_malformed_pins_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="SHA256:"):
        parse_pins(text)
    with pytest.raises(SettingsError) as err:
        api.sftp_settings("sftp://bob@127.0.0.1/in", host_key_fingerprint=text)
    assert err.value.field == "host_key_fingerprint"


def test_accepted_pin_forms_are_normalised() -> None:
    sha = "Abc+/" + "x" * 38
    md5 = ":".join(["aB"] * 16)
    assert parse_pins(f"SHA256:{sha}") == (f"SHA256:{sha}",)
    assert parse_pins(f"sha256:{sha}=") == (f"SHA256:{sha}",)  # case of the prefix, padding
    assert parse_pins(sha) == (f"SHA256:{sha}",)  # bare, as some tools print it
    assert parse_pins(f"MD5:{md5}") == (f"MD5:{md5.lower()}",)
    assert parse_pins(f"{md5}, SHA256:{sha} SHA256:{sha}") == (f"MD5:{md5.lower()}", f"SHA256:{sha}")
