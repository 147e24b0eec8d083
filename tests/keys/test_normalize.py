"""Keys as users paste them: each mangled form still loads, with a note saying what was cleaned."""

from __future__ import annotations

import base64
import json
import textwrap
from collections.abc import Callable

import pytest

from sourcedoctor.keys import inspect_key

from .conftest import KeyFactory


def _b64(b: bytes) -> bytes:
    return base64.b64encode(b)


MANGLERS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "crlf": (lambda b: b.replace(b"\n", b"\r\n"), "CRLF line endings"),
    "no_final_newline": (lambda b: b.rstrip(b"\n"), "missing final newline"),
    "quotes": (lambda b: b'"' + b.strip() + b'"', "surrounding quotes"),
    "whitespace": (lambda b: b"\n\n   " + b + b"   \n\n", "surrounding whitespace"),
    "json_literal_n": (
        lambda b: json.dumps(b.decode()).encode(),
        "literal \\n sequences (copied from JSON)",
    ),
    "base64_one_line": (_b64, "base64-encoded on one line (privateKeyContent form)"),
    "base64_mime": (
        lambda b: "\n".join(textwrap.wrap(_b64(b).decode(), 76)).encode(),
        "base64 with line wrapping (e.g. GNU base64 without -w0)",
    ),
    "base64_twice": (lambda b: _b64(_b64(b)), "base64 applied 2 times"),
    "email": (
        lambda b: (
            b"Hi Bob,\r\nhere is the key you asked for:\r\n\r\n"
            + b.replace(b"\n", b"\r\n")
            + b"\r\nCheers,\r\nAlice\r\n"
        ),
        "text before the key",
    ),
    "indented": (
        lambda b: b"\n".join(b"    " + line for line in b.splitlines()),
        "spaces around lines",
    ),
    "bom": (lambda b: b"\xef\xbb\xbf" + b, "UTF-8 byte-order mark"),
}


@pytest.mark.parametrize("name", ["ed25519", "rsa_pem", "rsa_v3.ppk"])
@pytest.mark.parametrize("mangle", sorted(MANGLERS))
def test_mangled_keys_still_load(keys: KeyFactory, name: str, mangle: str) -> None:
    func, step = MANGLERS[mangle]
    report = inspect_key(func(keys.data(name)), source_name=name)
    assert report.usable, report.codes
    assert step in report.normalized
    assert "key.normalized" in report.codes
    assert report.private_key is not None
    assert report.private_key.get_fingerprint("sha256") == keys.fingerprint(name.removesuffix("_v3.ppk"))


def test_email_with_text_after_the_key(keys: KeyFactory) -> None:
    text = b"see below\n" + keys.data("ed25519") + b"\n-- \nAlice, ACME\n"
    report = inspect_key(text)
    assert report.usable and {"text before the key", "text after the key"} <= set(report.normalized)


def test_clean_key_has_no_note(keys: KeyFactory) -> None:
    report = inspect_key(keys.data("ed25519"))
    assert report.normalized == () and report.codes == []


def test_privatekeycontent_of_public_key_is_still_public(keys: KeyFactory) -> None:
    report = inspect_key(_b64(keys.data("ed25519.pub")))
    assert "key.public_not_private" in report.codes
