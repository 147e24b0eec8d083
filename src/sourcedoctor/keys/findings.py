"""Findings about key material, each with the exact command that fixes it for this file name."""

from __future__ import annotations

import shlex
from pathlib import PurePath

from ..codes import make_finding
from ..model import Finding, Severity
from ..targets import TargetProfile
from .detect import Detected, key_family


def _q(name: str) -> str:
    return shlex.quote(name)


def stem(name: str) -> str:
    """The conversion output name: ``k.ppk`` -> ``k``, ``id_rsa`` -> ``id_rsa.openssh``."""
    path = PurePath(name)
    return str(path.with_suffix("")) if path.suffix in (".ppk", ".key", ".pem") else f"{name}.openssh"


def too_large(size: int, limit: int) -> Finding:
    return make_finding(
        "key.not_a_key",
        f"{size} bytes: far larger than any private key (limit {limit} bytes)",
        evidence={"size": size, "limit": limit},
        fix=["Give the private key file itself (a few KiB), e.g. ~/.ssh/id_ed25519."],
    )


def binary_content(size: int) -> Finding:
    return make_finding(
        "key.not_a_key",
        "binary data, not key text",
        evidence={"size": size},
        fix=[
            "Give the private key file in text form (it starts with -----BEGIN or PuTTY-User-Key-File).",
            "A binary DER key converts with: openssl pkey -inform DER -in KEY.der -out KEY",
        ],
    )


def not_a_key(d: Detected) -> Finding:
    fix = ["Give the private key file (usually ~/.ssh/id_ed25519 or ~/.ssh/id_rsa, the one without .pub)."]
    if d.format in ("x509", "csr"):
        fix.append(
            "For a certificate, the matching key is the file with 'PRIVATE KEY' in its first line; "
            "SFTP logins need an SSH key, not a TLS certificate."
        )
    if d.format == "pgp":
        fix.append("PGP keys cannot log in over SSH; generate an SSH key: ssh-keygen -t ed25519")
    return make_finding(
        "key.not_a_key",
        f"this is {d.label}, not a private key",
        evidence={"looks_like": d.label, "format": d.format},
        fix=fix,
    )


def public_not_private(d: Detected, name: str, line: str | None, fingerprint: str | None) -> Finding:
    private_name = name.removesuffix(".pub") if name.endswith(".pub") else "the private key file"
    fix = [f"Use the private key ({private_name}) instead; it has PRIVATE KEY in its first line."]
    if line:
        fix.append(f"This public key belongs on the server, in ~USER/.ssh/authorized_keys: {line}")
    evidence: dict[str, object] = {
        "looks_like": d.label,
        "type": d.key_type,
        "fingerprint_sha256": fingerprint,
    }
    if d.options:
        evidence["options"] = d.options
    return make_finding(
        "key.public_not_private",
        f"this is {d.label}, the public half of a key",
        evidence=evidence,
        fix=fix,
    )


def corrupt(d: Detected, name: str, problem: str) -> Finding:
    return make_finding(
        "key.corrupt",
        f"{d.label} that cannot be decoded: {problem}",
        evidence={"format": d.format, "problem": problem},
        fix=[
            "Copy the key file again without editing it (binary-safe, e.g. scp, not a chat window).",
            "Check that it ends with its END line; compare with the original: ssh-keygen -y -f ORIGINAL",
            f"For the platform's privateKeyContent field use: base64 -w0 {_q(name)}",
        ],
    )


def ppk_format(name: str, version: int | None) -> Finding:
    out = stem(name)
    return make_finding(
        "key.ppk_format",
        f"PuTTY .ppk key (version {version or '?'}): the platform and OpenSSH cannot read it",
        evidence={"format": "ppk", "ppk_version": version},
        fix=[
            f"Convert it: puttygen {_q(name)} -O private-openssh -o {_q(out)}",
            f"or without PuTTY: sourcedoctor key inspect {_q(name)} --emit openssh --output {_q(out)}",
        ],
    )


def passphrase_required(d: Detected, name: str) -> Finding:
    fix = ["Give the passphrase: --passphrase-env VAR (the platform's passPhrase field)."]
    if d.format in ("openssh", "pem", "pkcs8"):
        fix.append(f"Or remove the passphrase (then protect the file): ssh-keygen -p -N '' -f {_q(name)}")
    return make_finding(
        "key.passphrase_required",
        f"{d.label} is encrypted and no passphrase was given",
        evidence={"cipher": d.cipher, "kdf": d.kdf},
        fix=fix,
    )


def passphrase_wrong(d: Detected, message: str) -> Finding:
    return make_finding(
        "key.passphrase_wrong",
        f"the passphrase does not decrypt {d.label}",
        evidence={"cipher": d.cipher, "kdf": d.kdf, "error": message},
    )


def weak(key_type: str, bits: int | None, name: str) -> Finding:
    reason = (
        "DSA keys are disabled by default since OpenSSH 7.0"
        if key_type == "dss"
        else (f"RSA with {bits} bits (< 2048)")
    )
    return make_finding(
        "key.weak",
        f"weak key: {reason}",
        evidence={"type": key_type, "bits": bits},
        fix=[
            f"Generate a new key: ssh-keygen -t rsa -b 4096 -m PEM -f {_q(name)}.new  "
            f"(or: ssh-keygen -t ed25519 -f {_q(name)}.new)",
            "Put the new .pub line into the server's authorized_keys and use the new key.",
        ],
    )


def normalized(steps: tuple[str, ...], name: str) -> Finding:
    return make_finding(
        "key.normalized",
        "read after cleaning up: " + ", ".join(steps),
        evidence={"normalized": list(steps)},
        fix=[
            f"Save the clean form: sourcedoctor key inspect {_q(name)} --emit openssh --output CLEAN_KEY",
            "For the platform's privateKeyContent field: "
            f"sourcedoctor key inspect {_q(name)} --emit aep-base64 --stdout",
        ],
    )


def type_findings(target: TargetProfile, key_type: str, name: str) -> list[Finding]:
    """The target refuses this key type: say which types it takes and how to make one."""
    if key_family(key_type) in target.key_types:
        return []
    return [
        make_finding(
            "key.unsupported_by_target",
            f"{key_type} keys are not accepted by the {target.name} target",
            evidence={
                "type": key_type,
                "accepted_types": sorted(target.key_types),
                "target": target.name,
            },
            fix=[
                "Generate a key of an accepted type: "
                f"ssh-keygen -t rsa -b 4096 -m PEM -f {_q(name)}.rsa  "
                f"(or ssh-keygen -t ed25519 -f {_q(name)}.ed25519)",
                "Put the new .pub line into the server user's ~/.ssh/authorized_keys.",
            ],
        )
    ]


def format_findings(target: TargetProfile, fmt: str, key_type: str | None, name: str) -> list[Finding]:
    """What the target refuses about this key's file format, with the conversion for each."""
    out: list[Finding] = []
    family = key_family(key_type) if key_type else None
    if fmt == "ssh2":
        out.append(
            make_finding(
                "key.unsupported_by_target",
                f"SSH.com (SSH2) private key format: neither OpenSSH nor the {target.name} target reads it",
                evidence={"format": fmt, "target": target.name},
                fix=[f"Convert it: puttygen {_q(name)} -O private-openssh -o {_q(stem(name))}"],
            )
        )
    if fmt == "pkcs8" and fmt not in target.key_formats:
        form = "pem" if family in ("rsa", "dss") else "openssh"
        fix = (
            [
                f"Convert it: ssh-keygen -p -m PEM -f {_q(name)}  "
                "(rewrites it as -----BEGIN RSA/DSA "
                "PRIVATE KEY-----; asks for the passphrase)"
            ]
            if family in ("rsa", "dss")
            else []
        )
        fix.append(f"or: sourcedoctor key inspect {_q(name)} --emit {form} --output {_q(f'{name}.{form}')}")
        out.append(
            make_finding(
                "key.unsupported_by_target",
                f"PKCS#8 (-----BEGIN PRIVATE KEY-----) is not accepted by the {target.name} target",
                evidence={
                    "format": fmt,
                    "accepted_formats": sorted(target.key_formats),
                    "target": target.name,
                },
                fix=fix,
            )
        )
    if target.name == "aep" and fmt == "openssh" and family == "rsa":
        out.append(
            make_finding(
                "key.pem_fallback",
                "OpenSSH-format RSA key: accepted, but the platform's docs ask for PEM",
                evidence={"format": fmt, "type": key_type},
                severity=Severity.INFO,
                fix=[
                    "If the platform refuses it, convert a copy to PEM: "
                    f"cp {_q(name)} {_q(name)}.pem && "
                    f"ssh-keygen -p -m PEM -f {_q(name)}.pem"
                ],
            )
        )
    return out
