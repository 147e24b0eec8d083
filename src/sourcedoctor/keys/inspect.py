"""``inspect_key``: normalise, recognise, load and judge one piece of key material."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from ..model import Finding
from ..targets import GENERIC, TargetProfile
from . import findings as F
from .detect import Detected, describe_public_blob, detect
from .normalize import BASE64_ONE_LINE, MAX_INPUT, normalize
from .report import KeyReport

if TYPE_CHECKING:
    import asyncssh

log = logging.getLogger(__name__)

# Substrings of asyncssh's errors that mean "decryption failed" rather than "damaged".
_WRONG_PASSPHRASE = ("incorrect passphrase", "unable to decrypt", "bad decrypt", "invalid padding")


class _LoadError(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def inspect_key(
    data: bytes | str,
    *,
    passphrase: str | None = None,
    target: TargetProfile = GENERIC,
    source_name: str = "key",
    limit: int = MAX_INPUT,
) -> KeyReport:
    """Inspect key material in any form users have it (file bytes, pasted text, base64).

    Never raises on bad input: every problem becomes a finding. Inputs over ``limit`` bytes are not
    read at all. ``source_name`` is used in the fix commands (``ssh-keygen -p -m PEM -f NAME``).
    """
    name = source_name
    norm = normalize(data, limit=limit)
    base = KeyReport(source=name, target=target.name, format="unknown", description="")
    if norm.too_large:
        return replace(base, description="too large to be a key", findings=(F.too_large(norm.size, limit),))
    if norm.text is None:
        return replace(base, description="binary data", findings=(F.binary_content(norm.size),))
    d = detect(norm.text)
    report = replace(
        base,
        format=d.format,
        description=d.label,
        key_type=d.key_type,
        bits=d.bits,
        curve=d.curve,
        encrypted=d.encrypted,
        cipher=d.cipher,
        kdf=d.kdf,
        comment=d.comment,
        normalized=norm.steps,
    )
    found: list[Finding] = []
    cleanup = tuple(step for step in norm.steps
                    if not (target.key_content_base64 and step == BASE64_ONE_LINE))
    if cleanup and d.kind in ("private", "public"):
        found.append(F.normalized(cleanup, name))
    if d.kind in ("unknown", "other"):
        return replace(report, findings=(*found, F.not_a_key(d)))
    if d.kind == "corrupt":
        return replace(report, findings=(*found, F.corrupt(d, name, d.problem or "damaged")))
    if d.kind == "public":
        report = _with_public(report, d.public_blob)
        if d.certificate:
            report = replace(report, format="certificate")
        return replace(
            report,
            findings=(
                *found,
                F.public_not_private(d, name, report.authorized_keys_line, report.fingerprint_sha256),
            ),
        )
    # A private key of some format.
    if d.format == "ppk":
        found.append(F.ppk_format(name, _ppk_version(d)))
    # PKCS#8 and PEM EC say their type only once loaded; their conversion advice depends on it.
    late = d.key_type is None
    if not late:
        found.extend(F.format_findings(target, d.format, d.key_type, name))
        found.extend(F.type_findings(target, d.key_type or "", name))
    if d.encrypted and not passphrase:
        report = _with_public(report, d.public_blob)
        if late:
            found.extend(F.format_findings(target, d.format, None, name))
        return replace(report, findings=(*found, F.passphrase_required(d, name)))
    try:
        key = _load(d, passphrase)
    except _LoadError as exc:
        report = _with_public(report, d.public_blob)
        if late:
            found.extend(F.format_findings(target, d.format, None, name))
        if exc.reason == "passphrase_wrong":
            found.append(F.passphrase_wrong(d, str(exc)))
        elif exc.reason == "passphrase_required":
            found.append(F.passphrase_required(d, name))
        elif exc.reason == "unsupported":  # already explained by the target finding above
            pass
        else:
            found.append(F.corrupt(d, name, str(exc)))
        return replace(report, findings=tuple(found))
    report = _with_loaded(report, key, d)
    if late:
        found.extend(F.format_findings(target, d.format, report.key_type, name))
        if report.key_type:
            found.extend(F.type_findings(target, report.key_type, name))
    if report.key_type == "dss" or (report.key_type == "rsa" and (report.bits or 0) < 2048):
        found.append(F.weak(report.key_type, report.bits, name))
    return replace(report, findings=tuple(found), private_key=key)


def _ppk_version(d: Detected) -> int | None:
    digits = d.label.rsplit("version ", 1)[-1].rstrip(")")
    return int(digits) if digits.isdigit() else None


def _load(d: Detected, passphrase: str | None) -> asyncssh.SSHKey:
    import asyncssh

    if d.format == "ppk":
        return _load_ppk(d, passphrase)
    if d.format == "ssh2":
        from .ssh2 import load_ssh2

        try:
            return load_ssh2(d.block, d.comment)
        except ValueError as exc:
            reason = "unsupported" if str(exc).startswith("encrypted") else "corrupt"
            raise _LoadError(reason, str(exc)) from None
    try:
        key = asyncssh.import_private_key(d.block, passphrase if d.encrypted else None)
    except Exception as exc:  # asyncssh/cryptography raise many types on damaged input
        message = str(exc)[:200] or type(exc).__name__
        if d.encrypted and any(s in message.lower() for s in _WRONG_PASSPHRASE):
            raise _LoadError("passphrase_wrong", message) from None
        raise _LoadError("corrupt", message) from None
    if d.public_blob is not None and key.public_data != d.public_blob:
        raise _LoadError("corrupt", "the private part does not match the public key stored with it")
    return key


def _load_ppk(d: Detected, passphrase: str | None) -> asyncssh.SSHKey:
    import asyncssh

    from .ppk import PpkError, decrypt_ppk, parse_ppk, ppk_to_pkcs8

    try:
        ppk = parse_ppk(d.block)
        pem = ppk_to_pkcs8(ppk, decrypt_ppk(ppk, passphrase))
        key = asyncssh.import_private_key(pem)
    except PpkError as exc:
        raise _LoadError(exc.reason, str(exc)) from None
    except Exception as exc:  # a converted key asyncssh still cannot use
        raise _LoadError("corrupt", str(exc)[:200]) from None
    if key.public_data != ppk.public_blob:
        raise _LoadError("corrupt", "the private part does not match the public key in the file")
    if ppk.comment:
        key.set_comment(ppk.comment)
    return key


def _with_public(report: KeyReport, blob: bytes | None) -> KeyReport:
    """Fill fingerprints and the authorized_keys line from a public blob, when it parses."""
    if blob is None:
        return report
    from asyncssh.public_key import decode_ssh_public_key

    try:
        key_type, bits, curve = describe_public_blob(blob)
    except Exception:  # damaged public part: its description is simply unknown
        return report
    report = replace(report, key_type=key_type, bits=bits, curve=curve)
    try:
        pub = decode_ssh_public_key(blob)
    except Exception:  # e.g. a certificate blob: no plain key to fingerprint
        return report
    if report.comment:
        pub.set_comment(report.comment)
    return replace(
        report,
        fingerprint_sha256=pub.get_fingerprint("sha256"),
        fingerprint_md5=pub.get_fingerprint("md5"),
        authorized_keys_line=pub.export_public_key("openssh").decode().strip(),
    )


def _with_loaded(report: KeyReport, key: asyncssh.SSHKey, d: Detected) -> KeyReport:
    raw_comment = key.get_comment_bytes()  # any bytes; asyncssh's get_comment() raises on non-UTF-8
    comment = raw_comment.decode("utf-8", "replace") if raw_comment else d.comment
    report = replace(report, comment=comment)
    return _with_public(report, key.public_data)
