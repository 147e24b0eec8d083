"""A key file sets its own key-derivation cost; a hostile or damaged one must not hang us."""

from __future__ import annotations

import base64
import subprocess
import time
from pathlib import Path

from sourcedoctor.keys import inspect_key
from sourcedoctor.keys.detect import MAX_BCRYPT_ROUNDS, MAX_PBKDF2_ITERATIONS, pbkdf2_iterations
from tests.support import require_binary

PASS = "kdf-limit-pass"


def _armoured(label: str, der: bytes) -> str:
    b64 = base64.b64encode(der).decode()
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def _body(text: str) -> bytes:
    return base64.b64decode("".join(ln for ln in text.splitlines() if not ln.startswith("-----")))


def test_openssh_key_with_absurd_bcrypt_rounds_is_refused_fast(tmp_path: Path) -> None:
    keygen = require_binary("ssh-keygen")
    key = tmp_path / "k"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-a", "16", "-N", PASS, "-f", str(key)],
                   check=True)
    raw = bytearray(_body(key.read_text()))
    # kdfoptions = string(salt) + uint32(rounds); the salt is 16 bytes long
    salt_at = raw.find((16).to_bytes(4, "big"), raw.find(b"bcrypt"))
    rounds_at = salt_at + 4 + 16
    assert int.from_bytes(raw[rounds_at : rounds_at + 4], "big") == 16
    raw[rounds_at : rounds_at + 4] = (2**31).to_bytes(4, "big")  # would take days
    t0 = time.monotonic()
    report = inspect_key(_armoured("OPENSSH PRIVATE KEY", bytes(raw)), passphrase=PASS)
    assert time.monotonic() - t0 < 2
    assert "key.corrupt" in report.codes
    assert str(MAX_BCRYPT_ROUNDS) in report.findings[0].summary + report.findings[0].detail + str(
        report.findings[0].evidence)


def test_pkcs8_with_absurd_pbkdf2_iterations_is_refused_fast(tmp_path: Path) -> None:
    openssl = require_binary("openssl")
    plain, enc = tmp_path / "p.pem", tmp_path / "e.pem"
    subprocess.run([openssl, "genpkey", "-algorithm", "ed25519", "-out", str(plain)], check=True)
    subprocess.run([openssl, "pkcs8", "-topk8", "-v2", "aes256", "-iter", "70000", "-in",
                    str(plain), "-out", str(enc), "-passout", f"pass:{PASS}"], check=True)
    der = bytearray(_body(enc.read_text()))
    assert pbkdf2_iterations(bytes(der)) == 70000
    at = der.find((70000).to_bytes(3, "big"))
    der[at : at + 3] = (0x7FFFFF).to_bytes(3, "big")  # 8.4 million
    assert pbkdf2_iterations(bytes(der)) == 0x7FFFFF > MAX_PBKDF2_ITERATIONS
    t0 = time.monotonic()
    report = inspect_key(_armoured("ENCRYPTED PRIVATE KEY", bytes(der)), passphrase=PASS)
    assert time.monotonic() - t0 < 2
    assert "key.corrupt" in report.codes


def test_normal_costs_still_load(tmp_path: Path) -> None:
    keygen = require_binary("ssh-keygen")
    key = tmp_path / "k"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-a", "32", "-N", PASS, "-f", str(key)],
                   check=True)
    assert inspect_key(key.read_text(), passphrase=PASS).usable


def test_base64_one_line_is_no_defect_for_aep(tmp_path: Path) -> None:
    from sourcedoctor.targets import AEP, GENERIC

    keygen = require_binary("ssh-keygen")
    key = tmp_path / "k"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    one_line = base64.b64encode(key.read_bytes()).decode()
    assert "key.normalized" in inspect_key(one_line, target=GENERIC).codes
    aep = inspect_key(one_line, target=AEP)
    assert aep.usable and "key.normalized" not in aep.codes
    crlf = key.read_text().replace("\n", "\r\n")
    assert "key.normalized" in inspect_key(crlf, target=AEP).codes  # a real cleanup still shows
