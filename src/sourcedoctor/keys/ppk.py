"""PuTTY's private key format (PPK v2 and v3), read with the ``cryptography`` primitives.

v2: AES-256-CBC with a key made of two SHA-1 hashes of the passphrase, HMAC-SHA1 over the whole
    key (the MAC key is itself a SHA-1 of a fixed string and the passphrase).
v3: Argon2 (id, i or d, parameters in the file) yields the AES-256-CBC key, IV and HMAC-SHA256 key.
The MAC covers algorithm, encryption, comment, public and (decrypted) private blob, so a wrong
passphrase and a damaged file are told apart by whether the file decrypted at all and the MAC.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .detect import Detected, describe_public_blob
from .wire import WireError, WireReader, string

#: Limits on the file's own Argon2 parameters, so a hostile file cannot make us allocate gigabytes.
MAX_ARGON2_MEMORY_KIB = 256 * 1024
MAX_ARGON2_PASSES = 1000
MAX_ARGON2_LANES = 16
_MAX_LINES = 1000
_CURVES: dict[str, ec.EllipticCurve] = {
    "nistp256": ec.SECP256R1(),
    "nistp384": ec.SECP384R1(),
    "nistp521": ec.SECP521R1(),
}


class PpkError(ValueError):
    """The PPK could not be read. ``reason`` is corrupt, passphrase_required or passphrase_wrong."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PpkFile:
    """The parsed (still encrypted) PPK file."""

    version: int
    algorithm: str
    encryption: str
    comment: str
    public_blob: bytes
    private_blob: bytes
    mac: bytes
    headers: dict[str, str]

    @property
    def encrypted(self) -> bool:
        return self.encryption != "none"


def parse_ppk(text: str) -> PpkFile:
    """Parse the header lines and both base64 sections; raises PpkError("corrupt") when damaged."""
    lines = text.split("\n")
    headers: dict[str, str] = {}
    first, _, algorithm = lines[0].partition(":")
    try:
        version = int(first.removeprefix("PuTTY-User-Key-File-"))
    except ValueError:
        raise PpkError("corrupt", "the first line is not PuTTY-User-Key-File-N") from None
    if version not in (2, 3):
        raise PpkError("corrupt", f"PPK version {version} is unknown (only 2 and 3 exist)")
    pos = 1
    sections: dict[str, bytes] = {}
    while pos < len(lines):
        name, sep, value = lines[pos].partition(":")
        pos += 1
        if not sep:
            if lines[pos - 1].strip():
                raise PpkError("corrupt", f"line {pos} is not a 'Name: value' header")
            continue
        name, value = name.strip(), value.strip()
        if name in ("Public-Lines", "Private-Lines"):
            count = _int(value, name)
            if count > _MAX_LINES or pos + count > len(lines):
                raise PpkError("corrupt", f"{name} says {count} lines but the file is shorter")
            body = "".join(lines[pos : pos + count])
            pos += count
            try:
                sections[name] = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                raise PpkError("corrupt", f"the {name.split('-')[0].lower()} base64 is damaged") from None
        else:
            headers[name] = value
    for needed in ("Encryption", "Public-Lines", "Private-Lines", "Private-MAC"):
        if needed not in headers and needed not in sections:
            raise PpkError("corrupt", f"the '{needed}' line is missing (truncated file?)")
    try:
        mac = bytes.fromhex(headers["Private-MAC"])
    except ValueError:
        raise PpkError("corrupt", "Private-MAC is not hexadecimal") from None
    encryption = headers["Encryption"]
    if encryption not in ("none", "aes256-cbc"):
        raise PpkError("corrupt", f"unknown encryption {encryption!r}")
    return PpkFile(
        version,
        algorithm.strip(),
        encryption,
        headers.get("Comment", ""),
        sections["Public-Lines"],
        sections["Private-Lines"],
        mac,
        headers,
    )


def _int(value: str, name: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise PpkError("corrupt", f"{name} is not a small number")
    return int(value)


def detect_ppk(text: str) -> Detected:
    """Describe a PPK file without decrypting it."""
    try:
        ppk = parse_ppk(text)
        key_type, bits, curve = describe_public_blob(ppk.public_blob)
    except (PpkError, WireError) as exc:
        return Detected("corrupt", "ppk", "a PuTTY .ppk key", block=text, problem=str(exc))
    kdf = None
    if ppk.encrypted and ppk.version == 3:
        kdf = (
            f"{ppk.headers.get('Key-Derivation', '?')} "
            f"(memory {ppk.headers.get('Argon2-Memory', '?')} KiB,"
            f" passes {ppk.headers.get('Argon2-Passes', '?')})"
        )
    elif ppk.encrypted:
        kdf = "sha1"
    return Detected(
        "private",
        "ppk",
        f"a PuTTY .ppk key (version {ppk.version})",
        block=text,
        key_type=key_type,
        bits=bits,
        curve=curve,
        encrypted=ppk.encrypted,
        cipher=ppk.encryption if ppk.encrypted else None,
        kdf=kdf,
        comment=ppk.comment or None,
        public_blob=ppk.public_blob,
    )


def _v3_keys(ppk: PpkFile, passphrase: str) -> tuple[bytes, bytes, bytes]:
    from cryptography.hazmat.primitives.kdf import argon2

    variants: dict[str, type[argon2.Argon2id] | type[argon2.Argon2i] | type[argon2.Argon2d]] = {
        "Argon2id": argon2.Argon2id,
        "Argon2i": argon2.Argon2i,
        "Argon2d": argon2.Argon2d,
    }
    h = ppk.headers
    variant = variants.get(h.get("Key-Derivation", ""))
    if variant is None:
        raise PpkError("corrupt", f"unknown Key-Derivation {h.get('Key-Derivation')!r}")
    memory = _int(h.get("Argon2-Memory", ""), "Argon2-Memory")
    passes = _int(h.get("Argon2-Passes", ""), "Argon2-Passes")
    lanes = _int(h.get("Argon2-Parallelism", ""), "Argon2-Parallelism")
    try:
        salt = bytes.fromhex(h.get("Argon2-Salt", ""))
    except ValueError:
        raise PpkError("corrupt", "Argon2-Salt is not hexadecimal") from None
    if not (
        1 <= passes <= MAX_ARGON2_PASSES
        and 1 <= lanes <= MAX_ARGON2_LANES
        and 8 * lanes <= memory <= MAX_ARGON2_MEMORY_KIB
        and len(salt) >= 8
    ):
        raise PpkError("corrupt", "the Argon2 parameters are outside sane limits")
    out = variant(salt=salt, length=80, iterations=passes, lanes=lanes, memory_cost=memory).derive(
        passphrase.encode()
    )
    return out[:32], out[32:48], out[48:]


def decrypt_ppk(ppk: PpkFile, passphrase: str | None) -> bytes:
    """The private blob, decrypted and MAC-verified."""
    if ppk.encrypted and not passphrase:
        raise PpkError("passphrase_required", "the .ppk key is encrypted")
    secret = passphrase or ""
    private = ppk.private_blob
    if ppk.version == 2:
        mac_key = hashlib.sha1(b"putty-private-key-file-mac-key" + secret.encode()).digest()
        if ppk.encrypted:
            key = (
                hashlib.sha1(b"\0\0\0\0" + secret.encode()).digest()
                + hashlib.sha1(b"\0\0\0\1" + secret.encode()).digest()
            )[:32]
            private = _aes_cbc(key, bytes(16), private)
        digest = hashlib.sha1
    else:
        mac_key = b""
        if ppk.encrypted:
            key, iv, mac_key = _v3_keys(ppk, secret)
            private = _aes_cbc(key, iv, private)
        digest = hashlib.sha256
    data = b"".join(
        string(x)
        for x in (
            ppk.algorithm.encode(),
            ppk.encryption.encode(),
            ppk.comment.encode(),
            ppk.public_blob,
            private,
        )
    )
    if not hmac.compare_digest(hmac.new(mac_key, data, digest).digest(), ppk.mac):
        if ppk.encrypted:
            raise PpkError("passphrase_wrong", "the MAC does not match: wrong passphrase (or a damaged file)")
        raise PpkError("corrupt", "the MAC does not match: the file was altered")
    return private


def _aes_cbc(key: bytes, iv: bytes, data: bytes) -> bytes:
    if not data or len(data) % 16:
        raise PpkError("corrupt", "the encrypted private section has a wrong length")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def ppk_to_pkcs8(ppk: PpkFile, private: bytes) -> bytes:
    """Rebuild the key with ``cryptography`` and return unencrypted PKCS#8 PEM (in memory only)."""
    pub, priv = WireReader(ppk.public_blob), WireReader(private)
    algo = pub.text()
    try:
        key = _build_key(algo, pub, priv)
    except WireError as exc:
        raise PpkError("corrupt", f"the key fields are damaged ({exc})") from None
    except ValueError as exc:  # cryptography refuses inconsistent numbers
        raise PpkError("corrupt", f"the key numbers are inconsistent ({exc})") from None
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _build_key(
    algo: str, pub: WireReader, priv: WireReader
) -> rsa.RSAPrivateKey | dsa.DSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey:
    if algo == "ssh-rsa":
        e, n = pub.mpint(), pub.mpint()
        d, p, q, iqmp = priv.mpint(), priv.mpint(), priv.mpint(), priv.mpint()
        if min(e, n, d, p, q, iqmp) <= 1 or p * q != n:
            raise ValueError("p*q differs from n")
        numbers = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), iqmp, rsa.RSAPublicNumbers(e, n))
        return numbers.private_key()
    if algo == "ssh-dss":
        p, q, g, y = pub.mpint(), pub.mpint(), pub.mpint(), pub.mpint()
        x = priv.mpint()
        params = dsa.DSAParameterNumbers(p, q, g)
        return dsa.DSAPrivateNumbers(x, dsa.DSAPublicNumbers(y, params)).private_key()
    if algo.startswith("ecdsa-sha2-"):
        curve = _CURVES.get(pub.text())
        if curve is None:
            raise ValueError("unknown curve")
        return ec.derive_private_key(priv.mpint(), curve)
    if algo == "ssh-ed25519":
        seed = priv.string()
        if len(seed) != 32:
            raise ValueError("ed25519 private part is not 32 bytes")
        return ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    raise ValueError(f"key algorithm {algo!r} is not supported in .ppk conversion")
