"""Text encoding, byte-order mark and line endings of a sample.

UTF-8 is tried first (strictly, allowing a multi-byte character cut by the end of the sample); only
bytes that are not UTF-8 go to charset-normalizer, which is slower and a guess.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import charset_normalizer

#: BOMs, longest first (the UTF-32 LE BOM starts with the UTF-16 LE one).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: How much of a non-UTF-8 sample charset-normalizer looks at (it is slow on megabytes).
_GUESS_BYTES = 128 * 1024

#: Python codec names → the names iconv knows, for the conversion command.
_ICONV = {"utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE", "utf-16": "UTF-16",
          "utf-32-le": "UTF-32LE", "utf-32-be": "UTF-32BE", "utf-32": "UTF-32",
          "cp1252": "WINDOWS-1252", "cp1250": "WINDOWS-1250", "cp1251": "WINDOWS-1251",
          "iso-8859-1": "ISO-8859-1", "shift-jis": "SHIFT_JIS", "big5": "BIG5"}


@dataclass(frozen=True)
class Decoded:
    """A decoded sample. ``errors`` counts undecodable bytes (replaced by U+FFFD) and
    ``first_error`` is the byte offset of the first one."""

    text: str
    encoding: str
    bom: bool
    confidence: float
    errors: int = 0
    first_error: int | None = None


def normalise(name: str) -> str:
    """Canonical lower-case, dash-separated codec name (latin_1 → iso-8859-1, utf_8 → utf-8)."""
    n = codecs.lookup(name).name.replace("_", "-").lower()
    return {"latin-1": "iso-8859-1", "iso8859-1": "iso-8859-1", "us-ascii": "ascii",
            "utf-8-sig": "utf-8"}.get(n, n)


def iconv_name(encoding: str) -> str:
    """The name iconv uses for ``encoding``."""
    return _ICONV.get(encoding, encoding.upper())


def _cut_partial_utf8(data: bytes) -> bytes:
    """Drop a multi-byte UTF-8 character cut by the end of the sample (at most 3 bytes)."""
    for back in range(1, 4):
        if len(data) < back:
            break
        b = data[-back]
        if b & 0xC0 == 0xC0:  # a lead byte: is its sequence complete?
            need = 2 if b < 0xE0 else 3 if b < 0xF0 else 4
            return data if back >= need else data[:-back]
        if b & 0xC0 != 0x80:
            break
    return data


def decode(data: bytes, *, truncated: bool) -> Decoded:
    """Decode a sample: BOM first, then strict UTF-8, then charset-normalizer's best guess."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            if truncated and enc.startswith("utf-16"):
                body = body[: len(body) // 2 * 2]
            elif truncated and enc.startswith("utf-32"):
                body = body[: len(body) // 4 * 4]
            elif truncated:
                body = _cut_partial_utf8(body)
            return _with_errors(body, enc, bom=True, confidence=1.0)
    body = _cut_partial_utf8(data) if truncated else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return Decoded(text, "ascii" if text.isascii() else "utf-8", False, 1.0)
    guess = _pick(body[:_GUESS_BYTES])
    if guess is None:
        return _with_errors(body, "utf-8", bom=False, confidence=0.0)
    enc = normalise(guess.encoding)
    if enc == "cp1252" and not any(0x80 <= b <= 0x9F for b in body):
        enc = "iso-8859-1"  # identical bytes then; the name the targets list
    if enc.startswith("utf-16") and truncated:
        body = body[: len(body) // 2 * 2]
    return _with_errors(body, enc, bom=False, confidence=round(1.0 - guess.chaos, 2))


#: Western code pages preferred when charset-normalizer finds them about as plausible as its first
#: pick: single-byte guesses are ambiguous, and these are what spreadsheets and ERPs export.
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_PREFER_WITHIN = 0.2


def _pick(data: bytes) -> charset_normalizer.CharsetMatch | None:
    # Imported here: loading it costs ~0.1 s (it probes every codec), and UTF-8 never needs it.
    import charset_normalizer

    results = charset_normalizer.from_bytes(data)
    best = results.best()
    if best is None:
        return None
    for match in results:
        if match.encoding in _WESTERN and match.chaos <= best.chaos + _PREFER_WITHIN:
            return match
    if best.encoding.startswith(("utf", "big5", "gb", "euc", "shift", "cp9", "iso2022")):
        return best
    # charset-normalizer may not even try cp1252 when another single-byte page fits first.
    western = charset_normalizer.from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and western.chaos <= best.chaos + _PREFER_WITHIN:
        return western
    return best


def _with_errors(body: bytes, enc: str, *, bom: bool, confidence: float) -> Decoded:
    try:
        return Decoded(body.decode(enc), enc, bom, confidence)
    except UnicodeDecodeError as exc:
        text = body.decode(enc, errors="replace")
        return Decoded(text, enc, bom, confidence, errors=max(1, text.count("\ufffd")),
                       first_error=exc.start)


def line_ending(text: str) -> str | None:
    """"lf", "crlf", "cr", "mixed" or None (no line break in the sample)."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    kinds = [name for name, n in (("crlf", crlf), ("lf", lf), ("cr", cr)) if n]
    if not kinds:
        return None
    return kinds[0] if len(kinds) == 1 else "mixed"
