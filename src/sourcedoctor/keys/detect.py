"""Recognise what a piece of (normalised) key text is, without decrypting or loading it.

Detection reads only the armour, the headers and the unencrypted parts of the binary containers
(OpenSSH's public section, PuTTY's header lines), so it can describe an encrypted key without its
passphrase and can say "this is a certificate, not a key" without trying to parse it as one.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, replace
from typing import Literal

from .wire import WireError, WireReader

Kind = Literal["private", "public", "other", "corrupt", "unknown"]

_OPENSSH_MAGIC = b"openssh-key-v1\0"
_SSH2_PRIVATE_MAGIC = 0x3F6FF9EB
_ARMOUR = re.compile(r"^-----BEGIN ([A-Z0-9 ]+)-----$", re.M)
_PUBLIC_LINE = re.compile(
    r"^(?P<options>.*?)(?:^|\s)?(?P<algo>(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521)"
    r"|sk-ecdsa-sha2-nistp256@openssh\.com|sk-ssh-ed25519@openssh\.com)"
    r"(?:-cert-v01@openssh\.com)?)\s+(?P<blob>AAAA[A-Za-z0-9+/=]+)(?P<comment>.*)$",
    re.M,
)
_OTHER_ARMOUR = {
    "CERTIFICATE": ("x509", "an X.509 certificate"),
    "TRUSTED CERTIFICATE": ("x509", "an X.509 certificate"),
    "CERTIFICATE REQUEST": ("csr", "an X.509 certificate signing request (CSR)"),
    "NEW CERTIFICATE REQUEST": ("csr", "an X.509 certificate signing request (CSR)"),
    "X509 CRL": ("x509", "an X.509 certificate revocation list"),
    "PGP PRIVATE KEY BLOCK": ("pgp", "a PGP/GPG private key block (not an SSH key)"),
    "PGP PUBLIC KEY BLOCK": ("pgp", "a PGP/GPG public key block (not an SSH key)"),
    "PGP MESSAGE": ("pgp", "a PGP/GPG message"),
    "PGP SIGNATURE": ("pgp", "a PGP/GPG signature"),
    "PKCS7": ("x509", "a PKCS#7 certificate bundle"),
    "DH PARAMETERS": ("other", "Diffie-Hellman parameters"),
    "EC PARAMETERS": ("other", "EC curve parameters without a key"),
}


#: Key-derivation work we accept before trying a passphrase. A key file sets its own cost; a
#: damaged or hostile one asking for billions of rounds must not hang the tool. ssh-keygen's
#: default is 16 bcrypt rounds (``-a 100`` is a strong choice); OpenSSL's PBKDF2 default is 2,048
#: iterations and its strongest presets stay well below a few million.
MAX_BCRYPT_ROUNDS = 1000
MAX_PBKDF2_ITERATIONS = 5_000_000
_PBKDF2_OID = bytes.fromhex("06092a864886f70d01050c")  # 1.2.840.113549.1.5.12


def pbkdf2_iterations(der: bytes) -> int | None:
    """The PBKDF2 iteration count inside an encrypted PKCS#8 structure, if it has one."""
    at = der.find(_PBKDF2_OID)
    if at < 0:
        return None
    pos = at + len(_PBKDF2_OID)

    def header(p: int) -> tuple[int, int, int]:  # tag, length, start of content
        if p + 2 > len(der):
            raise ValueError("truncated")
        tag, length, p = der[p], der[p + 1], p + 2
        if length & 0x80:
            n = length & 0x7F
            if n == 0 or n > 4 or p + n > len(der):
                raise ValueError("bad length")
            length, p = int.from_bytes(der[p : p + n], "big"), p + n
        return tag, length, p

    try:
        tag, _, pos = header(pos)  # PBKDF2-params SEQUENCE
        if tag != 0x30:
            return None
        tag, length, pos = header(pos)  # salt OCTET STRING
        pos += length
        tag, length, pos = header(pos)  # iterationCount INTEGER
        if tag != 0x02 or length > 8:
            return None
        return int.from_bytes(der[pos : pos + length], "big")
    except ValueError:
        return None


@dataclass(frozen=True)
class Detected:
    """What the text is. ``block`` is the part to hand to a loader; nothing here is secret-free."""

    kind: Kind
    format: str
    label: str
    block: str = ""
    key_type: str | None = None
    bits: int | None = None
    curve: str | None = None
    encrypted: bool | None = None
    cipher: str | None = None
    kdf: str | None = None
    comment: str | None = None
    public_blob: bytes | None = None
    problem: str | None = None
    certificate: bool = False
    options: str | None = None


def key_type_name(algorithm: str) -> str:
    """Short type name from an SSH algorithm name: ``ecdsa-sha2-nistp256`` -> ``ecdsa-nistp256``."""
    algo = algorithm.removesuffix("-cert-v01@openssh.com").removesuffix("@openssh.com")
    if algo.startswith("ssh-"):
        return algo[4:]
    if algo.startswith("sk-ssh-"):
        return "sk-" + algo[7:]
    return algo.replace("-sha2-", "-")


def key_family(key_type: str) -> str:
    """The family a target profile lists: ``ecdsa-nistp256`` -> ``ecdsa``."""
    if key_type.startswith("sk-ecdsa"):
        return "sk-ecdsa"
    if key_type.startswith("ecdsa"):
        return "ecdsa"
    return key_type


def describe_public_blob(blob: bytes) -> tuple[str, int | None, str | None]:
    """(key type, bits, curve) of an SSH public key blob; raises WireError when damaged."""
    r = WireReader(blob)
    algo = r.text()
    cert = algo.endswith("-cert-v01@openssh.com")
    if cert:
        r.string()  # nonce precedes the key fields in a certificate
    kind = key_type_name(algo)
    if kind == "rsa":
        if cert:
            e, n = r.mpint(), r.mpint()
        else:
            e, n = r.mpint(), r.mpint()
        del e
        return kind, n.bit_length(), None
    if kind == "dss":
        return kind, r.mpint().bit_length(), None
    if kind in ("ed25519", "sk-ed25519"):
        return kind, 256, None
    if kind in ("ed448",):
        return kind, 456, None
    if "ecdsa" in kind:
        curve = r.text()
        return kind, {"nistp256": 256, "nistp384": 384, "nistp521": 521}.get(curve), curve
    return kind, None, None


def _b64(body: str) -> bytes | None:
    compact = "".join(body.split())
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _armour_body(text: str, label: str) -> tuple[str, dict[str, str], str] | None:
    """(block, headers, base64 body) of ``-----BEGIN label-----``; None without an END line."""
    begin = f"-----BEGIN {label}-----"
    end = f"-----END {label}-----"
    start = text.find(begin)
    stop = text.find(end, start)
    if start < 0 or stop < 0:
        return None
    inner = text[start + len(begin) : stop].strip("\n")
    headers: dict[str, str] = {}
    lines = inner.split("\n")
    while lines and ":" in lines[0]:
        name, _, value = lines.pop(0).partition(":")
        headers[name.strip().lower()] = value.strip()
    return text[start : stop + len(end)] + "\n", headers, "\n".join(lines)


def detect(text: str) -> Detected:
    """Classify normalised key text; never raises."""
    try:
        return _detect(text)
    except (WireError, ValueError, IndexError) as exc:  # defensive: damaged fields deep inside
        return Detected("corrupt", "unknown", "damaged key material", problem=str(exc)[:200])


def _detect(text: str) -> Detected:
    if not text.strip():
        return Detected("unknown", "unknown", "empty content")
    if text.startswith("PuTTY-User-Key-File-"):
        from .ppk import detect_ppk

        return detect_ppk(text)
    if "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----" in text:
        return _ssh2_private(text)
    if "---- BEGIN SSH2 PUBLIC KEY ----" in text:
        return _ssh2_public(text)
    match = _ARMOUR.search(text)
    if match is not None:
        return _armoured(text, match.group(1).strip())
    line = _PUBLIC_LINE.search(text)
    if line is not None:
        return _public_line(line)
    if "PRIVATE KEY" in text and "BEGIN" in text:
        return Detected("corrupt", "unknown", "a damaged private key", problem="BEGIN line is damaged")
    return Detected("unknown", "unknown", "text that is not a key")


def _armoured(text: str, label: str) -> Detected:
    parts = _armour_body(text, label)
    is_private = label.endswith("PRIVATE KEY") and "PGP" not in label
    if parts is None:
        if is_private:
            return Detected(
                "corrupt",
                _format_of(label),
                f"a {label} block",
                problem=f"missing the line -----END {label}----- (truncated?)",
            )
        other = _OTHER_ARMOUR.get(label)
        fmt, desc = other if other else ("unknown", f"a '{label}' block")
        return Detected("other", fmt, desc + " (truncated)")
    block, headers, body = parts
    if label == "OPENSSH PRIVATE KEY":
        return _openssh(block, body)
    if label in ("RSA PRIVATE KEY", "DSA PRIVATE KEY", "EC PRIVATE KEY"):
        kind = {"RSA": "rsa", "DSA": "dss", "EC": "ecdsa"}[label.split()[0]]
        encrypted = "ENCRYPTED" in headers.get("proc-type", "")
        cipher = headers.get("dek-info", "").split(",")[0].lower() or None if encrypted else None
        if _b64(body) is None:
            return Detected(
                "corrupt",
                "pem",
                f"a PEM {label}",
                block=block,
                key_type=kind,
                encrypted=encrypted,
                problem="the base64 body does not decode",
            )
        return Detected(
            "private",
            "pem",
            f"a traditional PEM {kind.upper()} private key",
            block=block,
            key_type=None if kind == "ecdsa" else kind,
            encrypted=encrypted,
            cipher=cipher,
        )
    if label in ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"):
        encrypted = label.startswith("ENCRYPTED")
        der = _b64(body)
        iterations = pbkdf2_iterations(der) if encrypted and der is not None else None
        if iterations is not None and iterations > MAX_PBKDF2_ITERATIONS:
            return Detected(
                "corrupt", "pkcs8", f"a PKCS#8 {label}", block=block, encrypted=True,
                problem=(f"the key asks for {iterations} PBKDF2 iterations (more than "
                         f"{MAX_PBKDF2_ITERATIONS}): a damaged or hostile file"))
        if der is None:
            return Detected(
                "corrupt",
                "pkcs8",
                f"a PKCS#8 {label}",
                block=block,
                encrypted=encrypted,
                problem="the base64 body does not decode",
            )
        return Detected(
            "private",
            "pkcs8",
            "an encrypted PKCS#8 private key" if encrypted else "a PKCS#8 private key",
            block=block,
            encrypted=encrypted,
            cipher="pkcs8 (PBES2)" if encrypted else None,
        )
    if label in ("PUBLIC KEY", "RSA PUBLIC KEY", "DSA PUBLIC KEY", "EC PUBLIC KEY"):
        return Detected("public", "public", f"a PEM public key ({label})", block=block)
    if label in _OTHER_ARMOUR:
        fmt, desc = _OTHER_ARMOUR[label]
        return Detected("other", fmt, desc)
    if is_private:
        return Detected("private", "unknown", f"a '{label}' block", block=block)
    return Detected("other", "unknown", f"a '{label}' block (not an SSH private key)")


def _format_of(label: str) -> str:
    if label == "OPENSSH PRIVATE KEY":
        return "openssh"
    if label in ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"):
        return "pkcs8"
    return "pem"


def _openssh(block: str, body: str) -> Detected:
    """Parse the OpenSSH container's unencrypted header: cipher, KDF and the public key."""
    raw = _b64(body)
    base = Detected("corrupt", "openssh", "an OpenSSH private key", block=block)
    if raw is None:
        return replace(base, problem="the base64 body does not decode")
    if not raw.startswith(_OPENSSH_MAGIC):
        return replace(base, problem="the binary container does not start with openssh-key-v1")
    r = WireReader(raw[len(_OPENSSH_MAGIC) :])
    try:
        cipher = r.text()
        kdf = r.text()
        kdf_options = WireReader(r.string())
        nkeys = r.uint32()
        if nkeys != 1:
            return replace(base, problem=f"the container holds {nkeys} keys (expected 1)")
        blob = r.string()
        private = r.string()
    except WireError as exc:
        return replace(base, problem=f"the container is truncated ({exc})")
    encrypted = cipher != "none"
    kdf_text = kdf
    if kdf == "bcrypt":
        try:
            kdf_options.string()
            rounds = kdf_options.uint32()
        except WireError:
            return replace(base, problem="the bcrypt KDF options are damaged")
        if rounds > MAX_BCRYPT_ROUNDS:
            return replace(base, encrypted=True, problem=(
                f"the key asks for {rounds} bcrypt rounds (more than {MAX_BCRYPT_ROUNDS}): a damaged "
                "or hostile file; re-export it with ssh-keygen -p -a 100"))
        kdf_text = f"bcrypt ({rounds} rounds)"
    try:
        key_type, bits, curve = describe_public_blob(blob)
    except WireError as exc:
        return replace(base, problem=f"the public key inside is damaged ({exc})")
    if not encrypted and len(private) >= 8 and private[:4] != private[4:8]:
        return replace(base, key_type=key_type, problem="the private section's check bytes differ")
    return Detected(
        "private",
        "openssh",
        "an OpenSSH private key",
        block=block,
        key_type=key_type,
        bits=bits,
        curve=curve,
        encrypted=encrypted,
        cipher=cipher if encrypted else None,
        kdf=kdf_text if encrypted else None,
        public_blob=blob,
    )


def _ssh2_body(text: str, kind: str) -> tuple[dict[str, str], str] | None:
    begin, end = f"---- BEGIN SSH2 {kind} ----", f"---- END SSH2 {kind} ----"
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        return None
    lines = text[start + len(begin) : stop].strip("\n").split("\n")
    headers: dict[str, str] = {}
    while lines and ":" in lines[0]:
        name, _, value = lines.pop(0).partition(":")
        while value.endswith("\\") and lines:  # RFC 4716 header continuation
            value = value[:-1] + lines.pop(0)
        headers[name.strip().lower()] = value.strip().strip('"')
    return headers, "\n".join(lines)


def _ssh2_public(text: str) -> Detected:
    parts = _ssh2_body(text, "PUBLIC KEY")
    if parts is None:
        return Detected("other", "public", "a truncated SSH2 public key")
    headers, body = parts
    blob = _b64(body)
    if blob is None:
        return Detected("other", "public", "an SSH2 public key with damaged base64")
    key_type, bits, curve = describe_public_blob(blob)
    return Detected(
        "public",
        "public",
        "an SSH2 (RFC 4716) public key",
        key_type=key_type,
        bits=bits,
        curve=curve,
        public_blob=blob,
        comment=headers.get("comment"),
    )


def _ssh2_private(text: str) -> Detected:
    """SSH.com / Tectia private key: magic, type and cipher are readable without a passphrase."""
    parts = _ssh2_body(text, "ENCRYPTED PRIVATE KEY")
    base = Detected("corrupt", "ssh2", "an SSH.com (SSH2) private key")
    if parts is None:
        return replace(base, problem="missing the ---- END SSH2 ENCRYPTED PRIVATE KEY ---- line")
    headers, body = parts
    raw = _b64(body)
    if raw is None:
        return replace(base, problem="the base64 body does not decode")
    r = WireReader(raw)
    try:
        if r.uint32() != _SSH2_PRIVATE_MAGIC:
            return replace(base, problem="the binary body does not start with the SSH.com magic number")
        r.uint32()
        type_spec = r.text()
        cipher = r.text()
        r.string()
    except WireError as exc:
        return replace(base, problem=f"the body is truncated ({exc})")
    key_type = (
        "rsa" if type_spec.startswith("if-modn") else "dss" if type_spec.startswith("dl-modp") else None
    )
    encrypted = cipher != "none"
    block = text[text.find("---- BEGIN SSH2") :]
    return Detected(
        "private",
        "ssh2",
        "an SSH.com (SSH2) private key",
        block=block,
        key_type=key_type,
        encrypted=encrypted,
        cipher=cipher if encrypted else None,
        comment=headers.get("comment"),
    )


def _public_line(match: re.Match[str]) -> Detected:
    blob = _b64(match.group("blob"))
    algo = match.group("algo")
    cert = algo.endswith("-cert-v01@openssh.com")
    options = match.group("options").strip() or None
    label = (
        "an OpenSSH certificate"
        if cert
        else ("an authorized_keys line with options" if options else "an OpenSSH public key line")
    )
    if blob is None:
        return Detected(
            "public",
            "certificate" if cert else "public",
            label + " (damaged base64)",
            certificate=cert,
            options=options,
        )
    key_type, bits, curve = describe_public_blob(blob)
    return Detected(
        "public",
        "certificate" if cert else "public",
        label,
        key_type=key_type,
        bits=bits,
        curve=curve,
        public_blob=blob,
        certificate=cert,
        options=options,
        comment=match.group("comment").strip() or None,
    )
