"""Writing a loaded key in the form a consumer needs: OpenSSH, PEM, its public line, or the
one-line base64 the platform's ``privateKeyContent`` field takes."""

from __future__ import annotations

import base64

from .report import KeyReport

#: The forms ``emit_key`` can produce.
EMIT_FORMS = ("openssh", "pem", "public", "aep-base64")
_PEM_TYPES = ("rsa", "dss", "ecdsa-nistp256", "ecdsa-nistp384", "ecdsa-nistp521")


class EmitError(ValueError):
    """The requested form cannot be produced for this key; the message says why and what to use."""


def emit_key(report: KeyReport, form: str, *, passphrase: str | None = None) -> bytes:
    """The key converted to ``form``. With ``passphrase``, private forms stay encrypted with it.

    ``aep-base64`` is PEM (RSA/DSA) or OpenSSH (ed25519), base64-encoded on one line without a
    newline, ready to paste into ``privateKeyContent``.
    """
    key = report.private_key
    if form not in EMIT_FORMS:
        raise EmitError(f"unknown form {form!r}; choose one of: {', '.join(EMIT_FORMS)}")
    if key is None:
        raise EmitError("the key could not be loaded, so it cannot be converted (see the findings)")
    if form == "public":
        return bytes(key.export_public_key("openssh"))
    if form == "openssh":
        return _openssh(report, passphrase)
    if form == "pem":
        return _pem(report, passphrase)
    # aep-base64
    if report.key_type in ("rsa", "dss"):
        text = _pem(report, passphrase)
    elif report.key_type == "ed25519":
        text = _openssh(report, passphrase)
    else:
        raise EmitError(
            f"the aep target does not accept {report.key_type} keys; generate an RSA or "
            "ed25519 key (ssh-keygen -t rsa -b 4096 -m PEM)"
        )
    return base64.b64encode(text)


def _openssh(report: KeyReport, passphrase: str | None) -> bytes:
    assert report.private_key is not None
    if passphrase:  # same KDF strength and cipher ssh-keygen uses by default
        return bytes(
            report.private_key.export_private_key(
                "openssh", passphrase, cipher_name="aes256-ctr", rounds=16, ignore_few_rounds=True
            )
        )
    return bytes(report.private_key.export_private_key("openssh"))


def _pem(report: KeyReport, passphrase: str | None) -> bytes:
    assert report.private_key is not None
    if report.key_type not in _PEM_TYPES:
        raise EmitError(f"{report.key_type} keys have no traditional PEM form; use --emit openssh")
    if passphrase:
        return bytes(report.private_key.export_private_key("pkcs1-pem", passphrase, cipher_name="aes128-cbc"))
    return bytes(report.private_key.export_private_key("pkcs1-pem"))
