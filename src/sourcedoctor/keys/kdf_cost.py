"""How long deriving an encrypted key's decryption key will take, before starting it.

A key file chooses its own key-derivation cost: bcrypt rounds (OpenSSH, ``ssh-keygen -a``), Argon2
memory and passes (PuTTY's PPK v3), PBKDF2 iterations (PKCS#8). Within the limits we accept, that
work still ranges from milliseconds to many minutes (Argon2 at 256 MiB × 1000 passes). The cost is
linear in the file's parameters, so timing a tiny run of the same function on this machine (once
per process, a few tens of milliseconds) and scaling it gives an estimate good enough to decide
whether to start at all, and to tell the user how long it would take.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import math
import time
from dataclasses import dataclass

from .detect import Detected, pbkdf2_iterations
from .wire import WireError, WireReader

_OPENSSH_MAGIC = b"openssh-key-v1\0"
#: bcrypt_pbkdf output length (key + IV) per OpenSSH cipher; it works in 32-byte blocks.
_CIPHER_KEY_IV = {
    "aes128-ctr": 32, "aes192-ctr": 40, "aes256-ctr": 48,
    "aes128-cbc": 32, "aes192-cbc": 40, "aes256-cbc": 48,
    "aes128-gcm@openssh.com": 28, "aes256-gcm@openssh.com": 44,
    "chacha20-poly1305@openssh.com": 64,
}
_CALIBRATION_ARGON2_KIB = 8192


@dataclass(frozen=True)
class KdfCost:
    """One key's derivation work: the function, its parameters in words, seconds estimated."""

    kdf: str
    work: str
    seconds: float

    def evidence(self) -> dict[str, object]:
        return {"kdf": self.kdf, "work": self.work, "estimated_s": round(self.seconds, 1)}


def estimate(d: Detected) -> KdfCost | None:
    """The derivation cost of an encrypted key (None when there is no costly KDF to run)."""
    if not d.encrypted:
        return None
    if d.format == "openssh":
        return _openssh_cost(d.block)
    if d.format == "ppk":
        return _ppk_cost(d.block)
    if d.format == "pkcs8":
        return _pbkdf2_cost(d.block)
    return None  # traditional PEM: one MD5 round, nothing to wait for


def _openssh_cost(block: str) -> KdfCost | None:
    body = "".join(line for line in block.splitlines() if not line.startswith("-----"))
    try:
        raw = base64.b64decode(body)
        r = WireReader(raw[len(_OPENSSH_MAGIC):])
        cipher, kdf = r.text(), r.text()
        options = WireReader(r.string())
        if kdf != "bcrypt":
            return None
        options.string()  # salt
        rounds = options.uint32()
    except (binascii.Error, ValueError, WireError):
        return None  # the loader reports the damage
    blocks = math.ceil(_CIPHER_KEY_IV.get(cipher, 48) / 32)
    return KdfCost("bcrypt", f"{rounds} rounds", rounds * blocks * _bcrypt_round_seconds())


def _ppk_cost(block: str) -> KdfCost | None:
    from .ppk import MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_PASSES  # cryptography: only for PPKs

    headers = dict(
        (name.strip(), value.strip())
        for name, sep, value in (line.partition(":") for line in block.splitlines()[1:])
        if sep
    )
    kdf = headers.get("Key-Derivation")
    if kdf not in ("Argon2id", "Argon2i", "Argon2d"):
        return None  # v2 (two SHA-1 hashes), or a damaged file the loader reports
    try:
        memory = int(headers.get("Argon2-Memory", ""))
        passes = int(headers.get("Argon2-Passes", ""))
    except ValueError:
        return None
    if not (1 <= memory <= MAX_ARGON2_MEMORY_KIB and 1 <= passes <= MAX_ARGON2_PASSES):
        return None  # beyond the hard limits: the loader refuses it at once (key.corrupt)
    seconds = memory * passes * _argon2_kib_pass_seconds()
    return KdfCost(kdf, f"{memory} KiB x {passes} passes", seconds)


def _pbkdf2_cost(block: str) -> KdfCost | None:
    body = "".join(line for line in block.splitlines() if not line.startswith("-----"))
    try:
        iterations = pbkdf2_iterations(base64.b64decode(body))
    except (binascii.Error, ValueError):
        return None
    if iterations is None:
        return None
    return KdfCost("PBKDF2", f"{iterations} iterations", iterations * _pbkdf2_iteration_seconds())


@functools.cache
def _bcrypt_round_seconds() -> float:
    """Seconds per bcrypt_pbkdf round per 32-byte output block, timed on this machine."""
    import bcrypt

    rounds = 2
    t0 = time.perf_counter()
    bcrypt.kdf(b"calibration", b"0123456789abcdef", 32, rounds, ignore_few_rounds=True)
    return (time.perf_counter() - t0) / rounds


@functools.cache
def _argon2_kib_pass_seconds() -> float:
    """Seconds per KiB of Argon2 memory per pass, timed on this machine."""
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    t0 = time.perf_counter()
    Argon2id(salt=b"0123456789abcdef", length=32, iterations=1, lanes=1,
             memory_cost=_CALIBRATION_ARGON2_KIB).derive(b"calibration")
    return (time.perf_counter() - t0) / _CALIBRATION_ARGON2_KIB


@functools.cache
def _pbkdf2_iteration_seconds() -> float:
    iterations = 20_000
    t0 = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"calibration", b"0123456789abcdef", iterations)
    return (time.perf_counter() - t0) / iterations
