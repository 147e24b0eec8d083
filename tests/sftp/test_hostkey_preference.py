"""Host-key negotiation prefers what we can verify (issue 10 §1), against OpenSSH's real sshd.

The fixture's sshd has an ed25519 and an RSA host key. Whatever one key is pinned or listed in
known_hosts, the run passes with no root cause; only a pin or known_hosts entry of a type the
server does not have is a finding.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sourcedoctor.model import Status, Verdict
from tests.fixtures.relay import LatencyRelay
from tests.sftp.helpers import codes, diagnose, facts, failing, sshd_values, status

pytestmark = pytest.mark.sshd


def _negotiated_host_key(report) -> str:  # type: ignore[no-untyped-def]
    return str(facts(report, "ssh.transport")["negotiated"]["host_key"])


async def test_ed25519_pin_passes_on_the_first_connection(sshd) -> None:
    report = await diagnose(**sshd_values(sshd, host_key_fingerprint=sshd.fingerprints["ssh-ed25519"]))
    assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None
    assert facts(report, "ssh.hostkey")["algorithm"] == "ssh-ed25519"
    assert "host_keys_seen" not in facts(report, "ssh.hostkey")  # no extra connection was needed


async def test_rsa_pin_passes_after_asking_for_the_rsa_key(sshd) -> None:
    rsa = sshd.fingerprints["ssh-rsa"]
    report = await diagnose(**sshd_values(sshd, host_key_fingerprint=rsa))
    assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None
    assert facts(report, "ssh.hostkey")["sha256"] == rsa
    assert _negotiated_host_key(report).startswith("rsa-sha2-")
    seen = facts(report, "ssh.hostkey")["host_keys_seen"]
    assert [(x["algorithm"], x["status"]) for x in seen] == [("ssh-ed25519", "mismatch"),
                                                             ("ssh-rsa", "match")]
    assert facts(report, "ssh.auth")["method_used"] == "password"


def _md5_fingerprint(public_line: str) -> str:
    out = subprocess.run(["ssh-keygen", "-E", "md5", "-lf", "-"], input=public_line,
                         capture_output=True, text=True, check=True).stdout
    return out.split()[1]


async def test_pin_given_as_md5_passes(sshd) -> None:
    md5 = _md5_fingerprint(sshd.host_key("ssh-rsa"))
    assert md5.startswith("MD5:")
    report = await diagnose(**sshd_values(sshd, host_key_fingerprint=md5.upper().replace("MD5:", "md5:")))
    assert report.verdict is Verdict.PASS, codes(report)
    assert facts(report, "ssh.hostkey")["md5"] == md5


@pytest.mark.parametrize("algorithm", ["ssh-ed25519", "ssh-rsa"])
async def test_known_hosts_with_one_key_type_passes(sshd, tmp_path: Path, algorithm: str) -> None:
    line = f"[127.0.0.1]:{sshd.port} {sshd.host_key(algorithm)}"
    kh = sshd.write_known_hosts(tmp_path / "known_hosts", [line])
    report = await diagnose(**sshd_values(sshd, host_key_fingerprint=None, known_hosts=str(kh)))
    assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None
    assert facts(report, "ssh.hostkey")["verified_against"] == str(kh)
    negotiated = _negotiated_host_key(report)
    assert negotiated.startswith("rsa-sha2-") if algorithm == "ssh-rsa" else negotiated == algorithm


async def test_pin_of_a_type_the_server_lacks_is_a_mismatch(sshd, sshd_factory) -> None:
    server = sshd_factory(host_key_types=("ed25519",))
    foreign_rsa = sshd.fingerprints["ssh-rsa"]  # a real RSA host key, of another server
    report = await diagnose(**sshd_values(server, host_key_fingerprint=foreign_rsa))
    assert failing(report) == "ssh.hostkey_mismatch"
    assert status(report, "ssh.auth") == Status.SKIP  # no password sent
    evidence = report.result("ssh.hostkey").findings[0].evidence  # type: ignore[union-attr]
    assert evidence["server_host_keys"] == {"ssh-ed25519": server.fingerprints["ssh-ed25519"]}
    assert evidence["expected"] == [foreign_rsa]


async def test_wrong_pin_is_checked_against_every_server_key(sshd) -> None:
    wrong = "SHA256:" + "A" * 43
    report = await diagnose(**sshd_values(sshd, host_key_fingerprint=wrong))
    assert failing(report) == "ssh.hostkey_mismatch"
    assert status(report, "ssh.auth") == Status.SKIP
    evidence = report.result("ssh.hostkey").findings[0].evidence  # type: ignore[union-attr]
    assert evidence["server_host_keys"] == {"ssh-ed25519": sshd.fingerprints["ssh-ed25519"],
                                            "ssh-rsa": sshd.fingerprints["ssh-rsa"]}


async def test_known_hosts_of_a_type_the_server_lacks_is_a_finding(sshd_factory, keygen,
                                                                     tmp_path: Path) -> None:
    server = sshd_factory(host_key_types=("ed25519",))
    ecdsa = keygen(type="ecdsa")
    line = f"[127.0.0.1]:{server.port} {' '.join(ecdsa.public_line.split()[:2])}"
    kh = server.write_known_hosts(tmp_path / "known_hosts", [line])
    report = await diagnose(**sshd_values(server, host_key_fingerprint=None, known_hosts=str(kh)))
    assert failing(report) is None and report.verdict is Verdict.WARN
    assert "ssh.hostkey_unknown" in codes(report)
    assert facts(report, "ssh.hostkey")["algorithm"] == "ssh-ed25519"


async def test_a_key_type_that_could_not_be_fetched_is_not_called_a_mismatch(sshd) -> None:
    # The relay lets the first connection through and closes the next: the RSA key (the pinned
    # one) cannot be fetched, so nothing shows that the server's keys differ from the pin.
    with LatencyRelay(sshd.port, rtt=0.0, accept_limit=1) as relay:
        report = await diagnose(**sshd_values(sshd, port=relay.port,
                                              host_key_fingerprint=sshd.fingerprints["ssh-rsa"]))
    assert failing(report) == "ssh.hostkey_unknown"
    assert "ssh.hostkey_mismatch" not in codes(report)
    assert status(report, "ssh.hostkey") == Status.FAIL
    assert status(report, "ssh.auth") == Status.SKIP
    evidence = report.result("ssh.hostkey").findings[0].evidence  # type: ignore[union-attr]
    assert list(evidence["not_fetched"]) == ["rsa-sha2-512"]


async def test_rsa_pin_with_its_known_hosts_line_is_asked_for_first(sshd, tmp_path: Path) -> None:
    # known_hosts tells the pin's key type: RSA goes first in the offer, so the server presents
    # the pinned key on the first connection (no second connection to ask for it).
    line = f"[127.0.0.1]:{sshd.port} {sshd.host_key('ssh-rsa')}"
    kh = sshd.write_known_hosts(tmp_path / "known_hosts", [line])
    report = await diagnose(**sshd_values(sshd, host_key_fingerprint=sshd.fingerprints["ssh-rsa"],
                                          known_hosts=str(kh)))
    assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None
    assert _negotiated_host_key(report).startswith("rsa-sha2-")
    assert facts(report, "ssh.hostkey")["sha256"] == sshd.fingerprints["ssh-rsa"]
    assert "host_keys_seen" not in facts(report, "ssh.hostkey")
