"""Turn key material as users really paste it into the clean text a key parser expects.

Every step that changed something is recorded in plain words, so the report can say what was
cleaned up (OpenSSH itself fails on most of these with only "error in libcrypto").
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

#: The normalisation step for the platform's own key encoding (``privateKeyContent``).
BASE64_ONE_LINE = "base64-encoded on one line (privateKeyContent form)"

#: Most bytes ever looked at. Real private keys are < 16 KiB; anything much larger is not a key.
MAX_INPUT = 1 << 20

# Markers that start the things we recognise as text; used to decide whether base64-decoding helped.
_MARKERS = ("-----BEGIN ", "PuTTY-User-Key-File-", "---- BEGIN SSH2 ")
_PUBLIC_LINE = re.compile(r"(?:^|\s)(?:ssh-|ecdsa-sha2-|sk-)[a-z0-9@.-]+ AAAA", re.M)
_B64_BODY = re.compile(r"[A-Za-z0-9+/=_-]+")
_BLOCK_START = re.compile(r"^(-----BEGIN [A-Z0-9 ]+-----|PuTTY-User-Key-File-\d+:|---- BEGIN SSH2 )", re.M)
_BLOCK_END = re.compile(
    r"^(-----END [A-Z0-9 ]+-----|Private-MAC: *[0-9a-fA-F]+|---- END SSH2 [A-Z ]+----)$", re.M
)
_MAX_BASE64_LAYERS = 3


@dataclass(frozen=True)
class Normalized:
    """Cleaned-up text (``None`` when the input is binary) and what was done to get it."""

    text: str | None
    steps: tuple[str, ...]
    size: int
    too_large: bool = False


def looks_like_key_text(text: str) -> bool:
    """True when ``text`` contains a marker of something key-like (private, public or other)."""
    return any(m in text for m in _MARKERS) or bool(_PUBLIC_LINE.search(text))


def normalize(data: bytes | str, *, limit: int = MAX_INPUT) -> Normalized:
    """Clean ``data`` up; never raises. Inputs over ``limit`` are not looked at at all."""
    size = len(data)
    if size > limit:
        return Normalized(None, (), size, too_large=True)
    steps: list[str] = []
    if isinstance(data, bytes):
        text = _decode(data, steps)
        if text is None:
            return Normalized(None, (), size)
    else:
        text = data
    ended_with_newline = text.endswith(("\n", "\r", "\\n"))
    text = _clean(text, steps)
    text = _unwrap_base64(text, steps)
    text = _cut_surroundings(text, steps)
    if text and not text.endswith("\n"):
        text += "\n"
        if not ended_with_newline and not steps:  # only worth a note when nothing bigger was done
            steps.append("missing final newline")
    return Normalized(text, tuple(dict.fromkeys(steps)), size)


def _decode(data: bytes, steps: list[str]) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        steps.append("UTF-8 byte-order mark")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
        steps.append("UTF-16 text (saved by Windows Notepad/PowerShell)")
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Binary: keys are ASCII, so only accept bytes that are nearly all printable as latin-1 text.
    printable = sum(1 for b in data[:4096] if 32 <= b < 127 or b in (9, 10, 13))
    if data and printable >= 0.95 * min(len(data), 4096):
        return data.decode("latin-1")
    return None


def _clean(text: str, steps: list[str]) -> str:
    stripped = text.strip()
    if stripped != text and stripped and text.rstrip("\r\n") != stripped:
        steps.append("surrounding whitespace")
    text = stripped
    for _ in range(2):  # '"..."' inside "'...'" happens when a JSON value is quoted again in a shell
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
            text = text[1:-1].strip()
            steps.append("surrounding quotes")
    if "\\n" in text and "\n" not in text.strip():
        text = text.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\r", "\n")
        text = text.replace('\\"', '"').replace("\\/", "/")
        steps.append("literal \\n sequences (copied from JSON)")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        steps.append("CRLF line endings")
    lines = text.split("\n")
    trimmed = [line.strip() for line in lines]
    if trimmed != lines:
        steps.append("spaces around lines")
    return "\n".join(trimmed).strip()


def _b64_decode(body: str) -> bytes | None:
    compact = "".join(body.split())
    if len(compact) < 16 or not _B64_BODY.fullmatch(compact):
        return None
    compact = compact.replace("-", "+").replace("_", "/").rstrip("=")
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def _unwrap_base64(text: str, steps: list[str]) -> str:
    """Decode whole-content base64 (one line, MIME-wrapped, or applied more than once)."""
    layers = 0
    wrapped = False
    while layers < _MAX_BASE64_LAYERS and not looks_like_key_text(text):
        raw = _b64_decode(text)
        if raw is None:
            break
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            break
        wrapped = wrapped or "\n" in text.strip()
        layers += 1
        text = _clean(decoded, [])
    if layers:
        if layers > 1:
            steps.append(f"base64 applied {layers} times")
        elif wrapped:
            steps.append("base64 with line wrapping (e.g. GNU base64 without -w0)")
        else:
            steps.append(BASE64_ONE_LINE)
    return text


def _cut_surroundings(text: str, steps: list[str]) -> str:
    """Drop text around the first key block (an email, a chat message, a ticket)."""
    if text.startswith(">") and "-----BEGIN" in text:
        lines = [line[1:].strip() if line.startswith(">") else line for line in text.split("\n")]
        text = "\n".join(lines)
        steps.append("email quoting ('>' at line starts)")
    match = _BLOCK_START.search(text)
    if match is None:
        return text
    if match.start() > 0:
        steps.append("text before the key")
        text = text[match.start() :]
    end = _BLOCK_END.search(text)
    if end is not None and text[end.end() :].strip():
        steps.append("text after the key")
        text = text[: end.end()]
    return text
