"""Conversions (checked with ssh-keygen itself) and bounded, non-blocking reading."""

from __future__ import annotations

import base64
import os
import subprocess
import time
from pathlib import Path

import pytest

from sourcedoctor.keys import EmitError, KeySourceError, emit_key, inspect_key, read_key_source
from tests.support import require_binary

from .conftest import PASS, KeyFactory


def _keygen_public(path: Path, passphrase: str = "") -> str:
    out = subprocess.run(
        [require_binary("ssh-keygen"), "-y", "-P", passphrase, "-f", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return out.stdout.decode().split()[1]


@pytest.mark.parametrize("name", ["ed25519", "rsa_pkcs8", "rsa_v2_enc.ppk", "ecdsa_v3.ppk", "sshcom"])
def test_emitted_openssh_loads_in_ssh_keygen(keys: KeyFactory, tmp_path: Path, name: str) -> None:
    enc = "_enc" in name
    report = inspect_key(keys.data(name), passphrase=PASS if enc else None)
    out = tmp_path / "k"
    out.write_bytes(emit_key(report, "openssh", passphrase=PASS if enc else None))
    out.chmod(0o600)
    assert out.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    blob = _keygen_public(out, PASS if enc else "")
    assert report.authorized_keys_line is not None and blob == report.authorized_keys_line.split()[1]


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("rsa", "-----BEGIN RSA PRIVATE KEY-----"),
        ("dsa", "-----BEGIN DSA PRIVATE KEY-----"),
        ("ed25519_v3.ppk", "-----BEGIN OPENSSH PRIVATE KEY-----"),
    ],
)
def test_aep_base64_decodes_to_a_begin_key(keys: KeyFactory, name: str, header: str) -> None:
    report = inspect_key(keys.data(name))
    value = emit_key(report, "aep-base64")
    assert b"\n" not in value
    decoded = base64.b64decode(value, validate=True).decode()
    assert decoded.startswith(header) and decoded.rstrip().endswith("-----")
    again = inspect_key(value)
    assert again.usable and again.fingerprint_sha256 == report.fingerprint_sha256


def test_pem_and_public(keys: KeyFactory, tmp_path: Path) -> None:
    report = inspect_key(keys.data("rsa"))
    pem = emit_key(report, "pem", passphrase=PASS)
    assert b"Proc-Type: 4,ENCRYPTED" in pem
    p = tmp_path / "k.pem"
    p.write_bytes(pem)
    p.chmod(0o600)
    assert _keygen_public(p, PASS) == report.authorized_keys_line.split()[1]  # type: ignore[union-attr]
    assert emit_key(report, "public").decode().split()[1] == report.authorized_keys_line.split()[1]  # type: ignore[union-attr]
    with pytest.raises(EmitError):
        emit_key(inspect_key(keys.data("ed25519")), "pem")
    with pytest.raises(EmitError):
        emit_key(inspect_key(keys.data("ecdsa")), "aep-base64")
    with pytest.raises(EmitError):
        emit_key(inspect_key(b"junk"), "openssh")


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(KeySourceError, match="FIFO"):
        read_key_source(str(fifo))
    assert time.monotonic() - start < 1


def test_directory_device_and_missing(tmp_path: Path) -> None:
    with pytest.raises(KeySourceError, match="directory"):
        read_key_source(str(tmp_path))
    with pytest.raises(KeySourceError, match="device"):
        read_key_source("/dev/zero")
    with pytest.raises(KeySourceError, match="does not exist"):
        read_key_source(str(tmp_path / "nope"))


def test_large_file_is_refused_by_size(tmp_path: Path) -> None:
    big = tmp_path / "big"
    with big.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: 100 MB without writing them
    with pytest.raises(KeySourceError, match="larger"):
        read_key_source(str(big))


def test_100mb_paste_gives_a_finding_quickly() -> None:
    data = b"A" * (100 * 1024 * 1024)
    start = time.monotonic()
    report = inspect_key(data)
    assert time.monotonic() - start < 0.5
    assert report.codes == ["key.not_a_key"] and report.findings[0].evidence["size"] == len(data)
