"""``inspect_key``: normalise, recognise, load and judge one piece of key material."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from typing import TYPE_CHECKING

from ..codes import make_finding
from ..model import Finding
from ..targets import GENERIC, TargetProfile
from . import findings as F
from .detect import Detected, describe_public_blob, detect
from .normalize import BASE64_ONE_LINE, MAX_INPUT, normalize
from .report import KeyReport

if TYPE_CHECKING:
    import asyncssh

    from .kdf_cost import KdfCost

log = logging.getLogger(__name__)

# Substrings of asyncssh's errors that mean "decryption failed" rather than "damaged".
_WRONG_PASSPHRASE = ("incorrect passphrase", "unable to decrypt", "bad decrypt", "invalid padding")


#: Key derivation estimated to take less than this runs in this process; costlier work runs in a
#: child process that is killed when the budget is spent (a thread could not be stopped).
IN_PROCESS_KDF_S = 1.0
#: Seconds allowed to decrypt a key unless the caller gives its own budget.
KDF_BUDGET_S = 10.0


class KeyLoadError(Exception):
    """The key did not load: ``reason`` is passphrase_wrong, passphrase_required, unsupported or
    corrupt."""

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
    budget: float = KDF_BUDGET_S,
) -> KeyReport:
    """Inspect key material in any form users have it (file bytes, pasted text, base64).

    Never raises on bad input: every problem becomes a finding. Inputs over ``limit`` bytes are not
    read at all. ``source_name`` is used in the fix commands (``ssh-keygen -p -m PEM -f NAME``).
    Decrypting takes at most ``budget`` seconds: a key whose derivation is estimated to take longer
    is not started, and one that overruns is abandoned (``check.timeout``, with the estimate).
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
        key = _load_within(d, norm.text, passphrase, budget)
    except _TooSlow as slow:
        report = _with_public(report, d.public_blob)
        if late:
            found.extend(F.format_findings(target, d.format, None, name))
        return replace(report, findings=(*found, _too_slow(slow, budget, d.format, name)))
    except KeyLoadError as exc:
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


class _TooSlow(Exception):
    def __init__(self, cost: KdfCost, gave_up_after: float | None = None) -> None:
        super().__init__(cost.work)
        self.cost = cost
        self.gave_up_after = gave_up_after


def _load_within(
    d: Detected, text: str, passphrase: str | None, budget: float
) -> asyncssh.SSHKey:
    """Load ``d``, spending at most ``budget`` seconds on its key derivation."""
    if not (passphrase and d.encrypted):
        return load_detected(d, passphrase)
    from .kdf_cost import estimate  # only for encrypted keys: keeps `import` cheap
    from .kdf_worker import load_in_child

    cost = estimate(d)
    if cost is None or cost.seconds < IN_PROCESS_KDF_S:
        return load_detected(d, passphrase)
    if cost.seconds > budget:
        raise _TooSlow(cost)
    assert passphrase is not None
    child = load_in_child(text, passphrase, budget)
    if child.timed_out:
        raise _TooSlow(cost, gave_up_after=child.seconds)
    if child.key is None:
        raise KeyLoadError(child.reason or "corrupt", child.message)
    return child.key


def _too_slow(slow: _TooSlow, budget: float, fmt: str, name: str) -> Finding:
    cost = slow.cost
    needed = max(cost.seconds, slow.gave_up_after or 0.0)
    if slow.gave_up_after is None:
        summary = (f"decrypting the key would take about {cost.seconds:.0f} s ({cost.kdf}, "
                   f"{cost.work}), more than the {budget:g} s allowed: not started")
    else:
        summary = (f"decrypting the key ({cost.kdf}, {cost.work}) did not finish within "
                   f"{budget:g} s (estimated {cost.seconds:.0f} s): abandoned")
    reencrypt = {
        "openssh": f"ssh-keygen -p -a 16 -f {name}",
        "ppk": f"puttygen {name} -O private -o {name} (PuTTYgen's default Argon2 cost)",
    }.get(fmt, f"ssh-keygen -p -f {name}")
    abandoned = None if slow.gave_up_after is None else round(slow.gave_up_after, 1)
    return make_finding(
        "check.timeout", summary,
        evidence={**cost.evidence(), "budget_s": budget, "abandoned_after_s": abandoned},
        fix=[f"Allow more time: --timeout {math.ceil(needed * 1.5)} (decrypting takes about "
             f"{needed:.0f} s here; the platform pays this cost at every connection too).",
             f"Or re-encrypt the key with a normal cost: {reencrypt}"],
    )


def _ppk_version(d: Detected) -> int | None:
    digits = d.label.rsplit("version ", 1)[-1].rstrip(")")
    return int(digits) if digits.isdigit() else None


def load_detected(d: Detected, passphrase: str | None) -> asyncssh.SSHKey:
    """Load the private key ``d`` found (decrypting it); raises KeyLoadError with a reason."""
    import asyncssh

    if d.format == "ppk":
        return _load_ppk(d, passphrase)
    if d.format == "ssh2":
        from .ssh2 import load_ssh2

        try:
            return load_ssh2(d.block, d.comment)
        except ValueError as exc:
            reason = "unsupported" if str(exc).startswith("encrypted") else "corrupt"
            raise KeyLoadError(reason, str(exc)) from None
    try:
        key = asyncssh.import_private_key(d.block, passphrase if d.encrypted else None)
    except Exception as exc:  # asyncssh/cryptography raise many types on damaged input
        message = str(exc)[:200] or type(exc).__name__
        if d.encrypted and any(s in message.lower() for s in _WRONG_PASSPHRASE):
            raise KeyLoadError("passphrase_wrong", message) from None
        raise KeyLoadError("corrupt", message) from None
    if d.public_blob is not None and key.public_data != d.public_blob:
        raise KeyLoadError("corrupt", "the private part does not match the public key stored with it")
    return key


def _load_ppk(d: Detected, passphrase: str | None) -> asyncssh.SSHKey:
    import asyncssh

    from .ppk import PpkError, decrypt_ppk, parse_ppk, ppk_to_pkcs8

    try:
        ppk = parse_ppk(d.block)
        pem = ppk_to_pkcs8(ppk, decrypt_ppk(ppk, passphrase))
        key = asyncssh.import_private_key(pem)
    except PpkError as exc:
        raise KeyLoadError(exc.reason, str(exc)) from None
    except Exception as exc:  # a converted key asyncssh still cannot use
        raise KeyLoadError("corrupt", str(exc)[:200]) from None
    if key.public_data != ppk.public_blob:
        raise KeyLoadError("corrupt", "the private part does not match the public key in the file")
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
