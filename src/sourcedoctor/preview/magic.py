"""What the first bytes of a file are: a container (compression, Parquet) or what unreadable bytes
look like, so a `data.format_unknown` finding can say "this is a PDF", not just "unknown"."""

from __future__ import annotations

import zlib

#: Compressions we decompress ourselves, by signature.
READABLE_COMPRESSIONS: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"PK\x03\x04", "zip"),
)

#: Compressions and archives we recognise but do not read (the finding names them).
UNREADABLE_COMPRESSIONS: tuple[tuple[bytes, str], ...] = (
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\x04\x22\x4d\x18", "lz4"),
    (b"\x1f\x9d", "compress (.Z)"),
    (b"PK\x05\x06", "empty zip"),
)

#: Signatures of things that are not data, for the evidence of `data.format_unknown`.
_LOOKS_LIKE: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"-----BEGIN PGP", "a PGP block (decrypt it first)"),
    (b"\x85\x01", "PGP-encrypted data (binary)"),
    (b"\x84\x8c", "PGP-encrypted data (binary)"),
    (b"\xa8\x03PGP", "PGP-encrypted data (binary)"),
    (b"\x7fELF", "an ELF executable"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document (xls/doc)"),
    (b"SQLite format 3", "an SQLite database"),
    (b"Obj\x01", "an Avro container"),
    (b"-----BEGIN ", "a PEM block (key or certificate)"),
    (b"openssh-key-v1", "an SSH key"),
)


#: Names of raw deflate streams, which carry no signature at all.
DEFLATE_SUFFIXES = (".deflate",)


def compression_of(head: bytes, name: str | None = None) -> tuple[str | None, bool]:
    """(name, readable) for a compressed/archived head; (None, True) when not compressed.

    tar has no leading signature: its "ustar" magic sits at offset 257. A deflate stream is known
    by its two-byte zlib header, or, raw, only by its name (``.deflate``); either way it must
    also start to inflate, since text can begin with a valid-looking header ("x^").
    """
    for sig, kind in READABLE_COMPRESSIONS:
        if head.startswith(sig):
            return kind, True
    for sig, kind in UNREADABLE_COMPRESSIONS:
        if head.startswith(sig):
            return kind, False
    if is_tar(head):
        return "tar", True
    if is_deflate(head, raw=bool(name and name.lower().endswith(DEFLATE_SUFFIXES))):
        return "deflate", True
    return None, True


def is_deflate(head: bytes, *, raw: bool = False) -> bool:
    """Does ``head`` start a zlib stream (or, with ``raw``, a headerless deflate stream)?"""
    from .unpack import is_zlib_header

    if not head or not (raw or is_zlib_header(head)):
        return False
    try:
        zlib.decompressobj(15 if is_zlib_header(head) else -15).decompress(head[:4096], 256)
    except zlib.error:
        return False
    return True


def is_tar(head: bytes) -> bool:
    """A POSIX/GNU tar header block: 'ustar' at offset 257."""
    return len(head) >= 262 and head[257:262] == b"ustar"


def is_parquet(head: bytes) -> bool:
    return head.startswith(b"PAR1")


def signature_of(head: bytes) -> str | None:
    """What a known non-data signature at the start says the file is (PDF, PGP, ELF...), or None."""
    for sig, what in _LOOKS_LIKE:
        if head.startswith(sig):
            return what
    return None


def looks_like(head: bytes) -> str:
    """A short description of bytes that are not data we can read."""
    what = signature_of(head)
    if what:
        return what
    text = head[:1024].lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:200]:
        return "an HTML page"
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "XML/markup"
    if binary_ratio(head) > 0.1:
        return "binary data"
    return "text that is neither delimited nor JSON"


def binary_ratio(data: bytes) -> float:
    """Share of bytes that never occur in text (NUL and C0 controls other than tab/CR/LF/FF)."""
    sample = data[:65536]
    if not sample:
        return 0.0
    bad = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return bad / len(sample)


def hex_preview(data: bytes, n: int = 16) -> str:
    """The first ``n`` bytes as hex, for evidence."""
    return data[:n].hex(" ")
