"""inspect_key on real keys from ssh-keygen, puttygen and openssl: format, type, codes."""

from __future__ import annotations

import base64
import json

import pytest

from sourcedoctor.keys import inspect_key
from sourcedoctor.targets import AEP, GENERIC

from .conftest import PASS, KeyFactory

# name -> (format, key_type, bits, encrypted, codes under generic with the right passphrase)
CASES = {
    "ed25519": ("openssh", "ed25519", 256, False, []),
    "ed25519_enc": ("openssh", "ed25519", 256, True, []),
    "rsa": ("openssh", "rsa", 2048, False, []),
    "rsa1024": ("openssh", "rsa", 1024, False, ["key.weak"]),
    "rsa_pem": ("pem", "rsa", 2048, False, []),
    "rsa_pem_enc": ("pem", "rsa", 2048, True, []),
    "rsa_pkcs8": ("pkcs8", "rsa", 2048, False, []),
    "pkcs8_enc": ("pkcs8", "rsa", 2048, True, []),
    "ed25519_pkcs8": ("pkcs8", "ed25519", 256, False, []),
    "ecdsa": ("openssh", "ecdsa-nistp256", 256, False, []),
    "ecdsa384_pem": ("pem", "ecdsa-nistp384", 384, False, []),
    "ecdsa_enc": ("openssh", "ecdsa-nistp256", 256, True, []),
    "sec1_ec": ("pem", "ecdsa-nistp256", 256, False, []),
    "dsa": ("openssh", "dss", 1024, False, ["key.weak"]),
    "dsa_pem": ("pem", "dss", 1024, False, ["key.weak"]),
    "sshcom": ("ssh2", "rsa", 2048, False, ["key.unsupported_by_target"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_private_keys_are_recognised_and_loaded(keys: KeyFactory, name: str) -> None:
    fmt, key_type, bits, encrypted, codes = CASES[name]
    report = inspect_key(keys.data(name), passphrase=PASS if encrypted else None, source_name=name)
    assert (report.format, report.key_type, report.bits, report.encrypted) == (
        fmt,
        key_type,
        bits,
        encrypted,
    )
    assert report.codes == codes
    assert report.usable
    if (keys.root / f"{name}.pub").exists():
        assert report.fingerprint_sha256 == keys.fingerprint(name)
    assert report.fingerprint_md5 and report.fingerprint_md5.startswith("MD5:")
    assert report.authorized_keys_line and report.authorized_keys_line.split()[0].startswith(
        ("ssh-", "ecdsa-")
    )


def test_openssh_container_details(keys: KeyFactory) -> None:
    report = inspect_key(keys.data("ed25519_enc"))
    assert report.codes == ["key.passphrase_required"]
    assert report.cipher == "aes256-ctr" and report.kdf and report.kdf.startswith("bcrypt")
    assert report.fingerprint_sha256 == keys.fingerprint("ed25519_enc")  # public half is readable
    loaded = inspect_key(keys.data("ed25519"))
    assert loaded.comment == "ed25519@test"


@pytest.mark.parametrize(
    "name",
    [
        "ed25519_enc",
        "rsa_pem_enc",
        "pkcs8_enc",
        "ecdsa_enc",
        "ed25519_v2_enc.ppk",
        "ed25519_v3_enc.ppk",
        "sshcom_enc",
    ],
)
def test_passphrase_required_and_wrong(keys: KeyFactory, name: str) -> None:
    missing = inspect_key(keys.data(name))
    assert "key.passphrase_required" in missing.codes and not missing.usable
    assert missing.encrypted is True
    if name != "sshcom_enc":
        wrong = inspect_key(keys.data(name), passphrase="not it")
        assert "key.passphrase_wrong" in wrong.codes and not wrong.usable


@pytest.mark.parametrize("base", ["ed25519", "rsa", "ecdsa", "dsa"])
@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("enc", [False, True])
def test_ppk_round_trip_matches_ssh_keygen(keys: KeyFactory, base: str, version: int, enc: bool) -> None:
    name = f"{base}_v{version}{'_enc' if enc else ''}.ppk"
    report = inspect_key(keys.data(name), passphrase=PASS if enc else None, source_name=name)
    assert report.format == "ppk" and report.encrypted is enc
    assert report.codes[0] == "key.ppk_format"
    assert report.usable, report.codes
    assert report.private_key is not None
    assert report.private_key.get_fingerprint("sha256") == keys.fingerprint(base)
    assert report.comment == f"{base}@test"
    fix = report.findings[0].fix[0]
    assert fix == f"Convert it: puttygen {name} -O private-openssh -o {name.removesuffix('.ppk')}"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("ed25519.pub", "public"),
        ("rsa.pub", "public"),
        ("ssh2_pub", "public"),
        ("cert", "certificate"),
    ],
)
def test_public_material_is_not_private(keys: KeyFactory, name: str, fmt: str) -> None:
    report = inspect_key(keys.data(name))
    assert report.codes == ["key.public_not_private"]
    assert report.format == fmt and not report.usable
    if fmt == "public":
        base = name.removesuffix(".pub").replace("ssh2_pub", "ed25519")
        assert report.fingerprint_sha256 == keys.fingerprint(base)


def test_authorized_keys_line_with_options(keys: KeyFactory) -> None:
    line = 'from="10.0.0.1",no-pty ' + keys.path("ed25519.pub").read_text()
    report = inspect_key(line)
    assert report.codes == ["key.public_not_private"]
    assert report.findings[0].evidence["options"] == 'from="10.0.0.1",no-pty'
    assert report.fingerprint_sha256 == keys.fingerprint("ed25519")


@pytest.mark.parametrize("name", ["x509", "csr"])
def test_certificates_and_csrs_are_not_keys(keys: KeyFactory, name: str) -> None:
    report = inspect_key(keys.data(name))
    assert report.codes == ["key.not_a_key"] and report.format in ("x509", "csr")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world\n",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBF\n-----END PGP PUBLIC KEY BLOCK-----\n",
        "\x00\x01\x02" * 100,
    ],
)
def test_not_a_key(text: str) -> None:
    report = inspect_key(text.encode("latin-1"))
    assert report.codes == ["key.not_a_key"] and not report.usable


@pytest.mark.parametrize("cut", [0.5, 0.9])
@pytest.mark.parametrize("name", ["ed25519", "rsa_pem", "rsa_pkcs8", "rsa_v3.ppk", "sshcom"])
def test_truncated_keys_are_corrupt(keys: KeyFactory, name: str, cut: float) -> None:
    data = keys.data(name)
    report = inspect_key(data[: int(len(data) * cut)])
    assert "key.corrupt" in report.codes and not report.usable


def test_damaged_base64_body_is_corrupt(keys: KeyFactory) -> None:
    lines = keys.data("rsa_pem").decode().splitlines()
    lines[5] = lines[5][:10] + "!!!" + lines[5][13:]
    assert "key.corrupt" in inspect_key("\n".join(lines)).codes


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("ecdsa", ["key.unsupported_by_target"]),
        ("rsa_pkcs8", ["key.unsupported_by_target"]),
        ("ed25519_pkcs8", ["key.unsupported_by_target"]),
        ("sshcom", ["key.unsupported_by_target"]),
        ("rsa", ["key.pem_fallback"]),
        ("rsa_pem", []),
        ("ed25519", []),
        ("ed25519_v3.ppk", ["key.ppk_format"]),
    ],
)
def test_aep_target_rules(keys: KeyFactory, name: str, codes: list[str]) -> None:
    report = inspect_key(keys.data(name), target=AEP, source_name=name)
    assert report.codes == codes
    assert report.target_ok is (not any(c in ("key.unsupported_by_target", "key.ppk_format") for c in codes))
    assert inspect_key(keys.data(name), target=GENERIC).target_ok is (
        name not in ("sshcom", "ed25519_v3.ppk")
    )


def test_aep_fixes_name_the_file(keys: KeyFactory) -> None:
    pkcs8 = inspect_key(keys.data("rsa_pkcs8"), target=AEP, source_name="id_rsa")
    assert any("ssh-keygen -p -m PEM -f id_rsa" in step for step in pkcs8.findings[0].fix)
    fallback = inspect_key(keys.data("rsa"), target=AEP, source_name="id_rsa")
    assert "ssh-keygen -p -m PEM -f id_rsa.pem" in fallback.findings[0].fix[0]


def test_to_dict_never_contains_private_material(keys: KeyFactory) -> None:
    report = inspect_key(keys.data("rsa_pem"))
    text = json.dumps(report.to_dict())
    body = keys.data("rsa_pem").decode().splitlines()[3]
    assert body not in text and "PRIVATE KEY-----" not in text
    assert "private_key" not in repr(report) or "SSHKey" not in repr(report)
    assert base64.b64encode(keys.data("rsa_pem")).decode()[:40] not in text
