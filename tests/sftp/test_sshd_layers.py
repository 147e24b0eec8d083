"""The SFTP diagnosis against OpenSSH's real sshd: healthy controls and each layer's codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sourcedoctor.model import Status, Verdict
from tests.fixtures.keys import make_ppk
from tests.fixtures.sshd import NOISE_TEXT, NOISY_USER, SFTP_SERVER, chroot_match
from tests.sftp.helpers import codes, diagnose, facts, failing, sshd_values, status

pytestmark = pytest.mark.sshd


async def test_healthy_password(sshd) -> None:
    report = await diagnose(**sshd_values(sshd))
    assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None
    assert facts(report, "ssh.auth")["method_used"] == "password"
    assert set(facts(report, "ssh.auth")["allowed_methods"]) == {"publickey", "password"}
    assert facts(report, "ssh.banner")["software"].startswith("OpenSSH_")
    assert facts(report, "data.format")["files"][0]["format"] == "csv"


@pytest.mark.parametrize(("ktype", "fmt"), [("ed25519", "openssh"), ("rsa", "pem")])
async def test_healthy_key(sshd, keygen, ktype: str, fmt: str) -> None:
    key = keygen(type=ktype, fmt=fmt)
    sshd.authorize("sdtest", key.public_line)
    report = await diagnose(**sshd_values(sshd, password=None, key_path=str(key.private)))
    assert report.verdict is Verdict.PASS, codes(report)
    assert facts(report, "ssh.auth")["method_used"] == "publickey"


async def test_healthy_encrypted_key_with_passphrase(sshd, keygen) -> None:
    key = keygen(type="ed25519", passphrase="correct horse battery")
    sshd.authorize("sdtest", key.public_line)
    report = await diagnose(**sshd_values(sshd, password=None, key_path=str(key.private),
                                          passphrase="correct horse battery"))
    assert report.verdict is Verdict.PASS, codes(report)


async def test_encrypted_key_without_passphrase_blocks_auth(sshd, keygen) -> None:
    key = keygen(type="ed25519", passphrase="correct horse battery")
    report = await diagnose(**sshd_values(sshd, password=None, key_path=str(key.private)))
    assert failing(report) == "key.passphrase_required"
    assert status(report, "ssh.auth") == Status.SKIP


async def test_pinned_via_known_hosts(sshd, tmp_path: Path) -> None:
    kh = sshd.write_known_hosts(tmp_path / "known_hosts")
    report = await diagnose(**sshd_values(sshd, host_key_fingerprint=None, known_hosts=str(kh)))
    assert report.verdict is Verdict.PASS, codes(report)
    assert facts(report, "ssh.hostkey")["verified_against"] == str(kh)


async def test_hostkey_mismatch_stops_before_auth(sshd, tmp_path: Path) -> None:
    wrong = "SHA256:" + "A" * 43
    report = await diagnose(**sshd_values(sshd, host_key_fingerprint=wrong))
    assert failing(report) == "ssh.hostkey_mismatch"
    assert status(report, "ssh.auth") == Status.SKIP  # no password sent to an impostor


async def test_hostkey_unknown_warns_with_fingerprints(sshd) -> None:
    report = await diagnose(**sshd_values(sshd, host_key_fingerprint=None, known_hosts="/dev/null"))
    assert report.verdict is Verdict.WARN
    assert "ssh.hostkey_unknown" in codes(report)
    f = facts(report, "ssh.hostkey")
    assert f["sha256"].startswith("SHA256:") and f["md5"].startswith("MD5:")


async def test_accept_new_writes_known_hosts(sshd, tmp_path: Path) -> None:
    kh = tmp_path / "kh"
    kh.write_text("")
    report = await diagnose(**sshd_values(sshd, host_key_fingerprint=None, known_hosts=str(kh),
                                          accept_new=True))
    assert report.verdict is Verdict.PASS, codes(report)
    assert f"[127.0.0.1]:{sshd.port} ssh-" in kh.read_text()
    again = await diagnose(**sshd_values(sshd, host_key_fingerprint=None, known_hosts=str(kh)))
    assert again.verdict is Verdict.PASS


async def test_password_rejected(sshd) -> None:
    report = await diagnose(**sshd_values(sshd, password="wrong-password"))
    assert failing(report) == "auth.password_rejected"


async def test_no_credentials_lists_methods(sshd) -> None:
    report = await diagnose(**sshd_values(sshd, password=None))
    assert failing(report) == "auth.no_credentials"
    assert "publickey" in facts(report, "ssh.auth")["allowed_methods"]


async def test_key_rejected_shows_fingerprint(sshd, keygen) -> None:
    key = keygen(type="ed25519")  # never authorized
    report = await diagnose(**sshd_values(sshd, password=None, key_path=str(key.private)))
    assert failing(report) == "auth.key_rejected"
    assert facts(report, "ssh.auth")["key_fingerprint"].startswith("SHA256:")


async def test_method_not_offered(sshd_factory) -> None:
    server = sshd_factory(options={"PasswordAuthentication": "no"})
    report = await diagnose(**sshd_values(server))
    assert failing(report) == "auth.method_not_offered"
    assert facts(report, "ssh.auth")["allowed_methods"] == ["publickey"]


async def test_key_only_against_a_server_without_publickey(sshd_factory, keygen) -> None:
    """The key goes out right behind the "none" request (the login shortcut): a server that does
    not take keys at all still reads as "method not offered", naming what it does take."""
    server = sshd_factory(options={"PubkeyAuthentication": "no"})
    key = keygen(type="ed25519")
    server.authorize("sdtest", key.public_line)
    report = await diagnose(**sshd_values(server, password=None, key_path=str(key.private)))
    assert failing(report) == "auth.method_not_offered", codes(report)
    assert facts(report, "ssh.auth")["allowed_methods"] == ["password"]


async def test_key_and_password_with_one_try_and_no_publickey(sshd_factory, keygen) -> None:
    """Key and password given, the server allows one try and no keys: the key is not sent ahead
    of the password (it would burn the only try), so the password logs in."""
    server = sshd_factory(options={"PubkeyAuthentication": "no", "MaxAuthTries": "1"})
    key = keygen(type="ed25519")
    report = await diagnose(**sshd_values(server, key_path=str(key.private)))
    assert report.verdict is Verdict.PASS, codes(report)
    assert facts(report, "ssh.auth")["method_used"] == "password"


async def test_keyboard_interactive_only(sshd_factory) -> None:
    server = sshd_factory(options={"PasswordAuthentication": "no",
                                   "KbdInteractiveAuthentication": "yes"})
    aep = await diagnose("aep", **sshd_values(server))
    assert "auth.keyboard_interactive_only" in codes(aep)
    assert status(aep, "ssh.auth") == Status.FAIL
    generic = await diagnose(**sshd_values(server))  # OpenSSH would log in: so do we, with a note
    assert status(generic, "ssh.auth") == Status.PASS, codes(generic)
    assert facts(generic, "ssh.auth")["method_used"] == "keyboard-interactive"


async def test_partial_success(sshd_factory, keygen) -> None:
    server = sshd_factory(options={"AuthenticationMethods": "publickey,password"})
    key = keygen(type="ed25519")
    server.authorize("sdtest", key.public_line)
    no_pw = await diagnose(**sshd_values(server, password=None, key_path=str(key.private)))
    assert failing(no_pw) == "auth.partial_success"
    both_aep = await diagnose("aep", **sshd_values(server, key_path=str(key.private)))
    assert "auth.partial_success" in codes(both_aep)
    assert status(both_aep, "ssh.auth") == Status.FAIL  # the platform cannot do two methods


async def test_too_many_failures(sshd_factory, keygen) -> None:
    server = sshd_factory(options={"MaxAuthTries": "1"})
    key = keygen(type="ed25519")  # not authorized: the first failure
    report = await diagnose(**sshd_values(server, key_path=str(key.private), password="wrong-pw"))
    assert failing(report) == "auth.too_many_failures", codes(report)


async def test_kex_legacy(sshd_factory) -> None:
    server = sshd_factory(options={"KexAlgorithms": "diffie-hellman-group14-sha1"})
    report = await diagnose(**sshd_values(server))
    assert failing(report) == "ssh.kex_legacy"
    assert facts(report, "ssh.transport")["server_offer"]["kex"][0] == "diffie-hellman-group14-sha1"


async def test_hostkey_algorithm_legacy(sshd_factory) -> None:
    server = sshd_factory(options={"HostKeyAlgorithms": "ssh-rsa"}, host_key_types=("rsa",))
    report = await diagnose(**sshd_values(server, host_key_fingerprint=server.fingerprints["ssh-rsa"]))
    assert failing(report) == "ssh.hostkey_algorithm_legacy"


async def test_no_common_algorithm(sshd_factory) -> None:
    server = sshd_factory(options={"Ciphers": "aes128-cbc"})
    report = await diagnose(**sshd_values(server))
    assert failing(report) == "ssh.no_common_algorithm"
    evidence = report.result("ssh.transport").findings[0].evidence  # type: ignore[union-attr]
    assert evidence["server_offer"]["cipher"] == ["aes128-cbc"]
    assert "cipher" in evidence["missing"]


async def test_shell_noise(sshd_factory) -> None:
    server = sshd_factory(options={"Subsystem": f"sftp {SFTP_SERVER}"})
    report = await diagnose(**sshd_values(server, user=NOISY_USER))
    assert failing(report) == "sftp.shell_noise"
    assert NOISE_TEXT in report.result("sftp.session").findings[0].evidence["text"]  # type: ignore[union-attr]


async def test_subsystem_unavailable(sshd_factory) -> None:
    server = sshd_factory(options={"Subsystem": None})
    report = await diagnose(**sshd_values(server))
    assert failing(report) == "sftp.subsystem_unavailable"


async def test_chroot_absolute_path_hint(sshd_factory) -> None:
    server = sshd_factory(match=[chroot_match()])
    ok = await diagnose(**sshd_values(server, user="sdchroot", folder="inbound", file=None))
    assert ok.verdict is Verdict.PASS, codes(ok)
    report = await diagnose(**sshd_values(server, user="sdchroot", folder="/srv/sdchroot/inbound",
                                          file=None))
    assert failing(report) == "path.not_found"
    evidence = report.result("sftp.folder").findings[0].evidence  # type: ignore[union-attr]
    assert evidence["suggested_folder"] == "inbound"
    assert evidence["chroot_likely"] is True


async def test_folder_problems(sshd) -> None:
    assert failing(await diagnose(**sshd_values(sshd, folder="nope", file=None))) == "path.not_found"
    assert failing(await diagnose(**sshd_values(sshd, folder="data/customers.csv", file=None))) \
        == "path.not_a_directory"
    assert failing(await diagnose(**sshd_values(sshd, folder="data/locked", file=None))) \
        == "path.permission_denied"
    assert failing(await diagnose(**sshd_values(sshd, file="missing.csv"))) == "path.empty"


async def test_file_problems(sshd) -> None:
    assert failing(await diagnose(**sshd_values(sshd, file="unreadable.csv"))) \
        == "file.permission_denied"
    assert failing(await diagnose(**sshd_values(sshd, file="empty.csv"))) == "data.empty_file"


async def test_concurrency_limited_under_aep(sshd_factory) -> None:
    server = sshd_factory(options={"MaxStartups": "1:100:1"})
    report = await diagnose("aep", **sshd_values(server))
    assert "sftp.concurrency_limited" in codes(report)
    probe = facts(report, "sftp.files")["parallel_probe"]
    assert probe["succeeded"] < probe["connections"]


async def test_parallel_probe_passes_on_default_server(sshd) -> None:
    report = await diagnose("aep", **sshd_values(sshd))
    assert "sftp.concurrency_limited" not in codes(report)
    assert facts(report, "sftp.files")["parallel_probe"]["succeeded"] == 3


@pytest.mark.dnsmasq
async def test_healthy_through_cname_at_the_given_resolver(sshd, dnsmasq) -> None:
    report = await diagnose(**sshd_values(sshd, host="chain.test", resolver=dnsmasq.resolver))
    assert report.verdict is Verdict.PASS, codes(report)
    assert report.root_cause is None
    assert facts(report, "dns.resolve")["cname_chain"] == ["alias.test.", "ok.test."]


async def test_ppk_key_still_tells_whether_it_is_authorized(sshd, keygen, tmp_path: Path) -> None:
    key = keygen(type="ed25519")
    ppk = make_ppk(key.private, tmp_path / "k.ppk", version=3)
    sshd.authorize("sdtest", key.public_line)
    report = await diagnose(**sshd_values(sshd, password=None, key_path=str(ppk)))
    assert failing(report) == "key.ppk_format"  # the platform will not take the file...
    assert status(report, "ssh.auth") == Status.PASS  # ...but the key itself is authorized
    assert facts(report, "ssh.auth")["method_used"] == "publickey"


async def test_crlf_key_still_authenticates_with_a_note(sshd, keygen, tmp_path: Path) -> None:
    key = keygen(type="ed25519")
    sshd.authorize("sdtest", key.public_line)
    crlf = tmp_path / "crlf_key"
    crlf.write_bytes(key.private.read_bytes().replace(b"\n", b"\r\n"))
    report = await diagnose(**sshd_values(sshd, password=None, key_path=str(crlf)))
    assert report.verdict is Verdict.PASS, codes(report)
    assert "key.normalized" in codes(report)
