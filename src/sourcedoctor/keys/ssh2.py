"""Loading an unencrypted SSH.com (SSH2 / Tectia) private key, e.g. ``puttygen -O private-sshcom``.

The body is magic, length, a key-type spec, the cipher name and one string holding the key. Inside,
integers use SSH.com's own encoding: a 32-bit *bit* count, then the big-endian bytes.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, rsa

from .wire import WireError, WireReader

if TYPE_CHECKING:
    import asyncssh

_MAX_BITS = 16384


def _bignum(r: WireReader) -> int:
    bits = r.uint32()
    if bits > _MAX_BITS:
        raise WireError(f"a {bits}-bit number is beyond any real key")
    return int.from_bytes(r.take((bits + 7) // 8), "big")


def load_ssh2(block: str, comment: str | None) -> asyncssh.SSHKey:
    """Load an unencrypted SSH.com RSA or DSA key; raises ValueError when it cannot."""
    import asyncssh

    lines = [x for x in block.split("\n") if x and not x.startswith("----")]
    while lines and ":" in lines[0]:
        lines.pop(0)
    body = "".join(x for x in lines if not x.endswith("\\"))
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("the base64 body does not decode") from None
    r = WireReader(raw)
    try:
        r.uint32()
        r.uint32()
        spec, cipher = r.text(), r.text()
        if cipher != "none":
            raise ValueError(f"encrypted SSH.com keys ({cipher}) are not read here; convert with puttygen")
        inner = WireReader(r.string())
        inner.uint32()
        key: rsa.RSAPrivateKey | dsa.DSAPrivateKey
        if spec.startswith("if-modn"):
            e, d, n, u, p, q = (_bignum(inner) for _ in range(6))
            if min(p, q) <= 1 or p * q != n:
                raise ValueError("the RSA numbers are inconsistent")
            # SSH.com's u is p^-1 mod q; cryptography's iqmp is q^-1 mod p, so p and q swap roles.
            key = rsa.RSAPrivateNumbers(
                q, p, d, d % (q - 1), d % (p - 1), u, rsa.RSAPublicNumbers(e, n)
            ).private_key()
        elif spec.startswith("dl-modp"):
            inner.uint32()
            p, g, q, y, x = (_bignum(inner) for _ in range(5))
            key = dsa.DSAPrivateNumbers(
                x, dsa.DSAPublicNumbers(y, dsa.DSAParameterNumbers(p, q, g))
            ).private_key()
        else:
            raise ValueError(f"key type {spec!r} is not supported")
    except WireError as exc:
        raise ValueError(f"the key body is truncated ({exc})") from None
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    loaded = asyncssh.import_private_key(pem)
    if comment:
        loaded.set_comment(comment)
    return loaded
