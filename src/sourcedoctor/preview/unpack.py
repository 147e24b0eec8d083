"""Bounded decompression of a file's head: gzip, bzip2, deflate (zlib-wrapped or raw), zip (first
member), tar and tar.gz.

Only the head of the file is ever available, so every decoder here works as a stream and stops at
``out_cap`` bytes of output. A high output/input ratio is how a zip bomb shows itself; it becomes a
problem to report, never an allocation.

The bounds here are shared with the lake, which reads whole archives member by member: the ratio
cap, the number of archive entries looked at and the decompressed bytes taken from one archive.
"""

from __future__ import annotations

import bz2
import struct
import zlib
from dataclasses import dataclass, field, replace
from typing import Any

from .magic import is_tar

#: A ratio above this (output / compressed input) is treated as a decompression bomb. Real CSV and
#: JSON rarely compress better than 1:50; runs of zeros reach 1:1000.
DEFAULT_RATIO_CAP = 200.0
#: Below this much output the ratio says nothing yet (a tiny file of zeros compresses 1:1000).
RATIO_FLOOR = 1 << 20
#: Most entries of one archive the lake looks at (directories and links included).
MEMBER_CAP = 1000
#: Most decompressed bytes the lake takes from one archive, all members together.
ARCHIVE_OUTPUT_CAP = 4 << 30
#: Bytes fed to a decoder per step, so the ratio can be checked as output grows.
_STEP = 64 * 1024
#: At most this many archive member names are kept for evidence.
MEMBER_LIST_CAP = 50
#: zip compression methods by number, for the evidence of an unsupported one.
_ZIP_METHODS = {0: "stored", 8: "deflate", 9: "deflate64", 12: "bzip2", 14: "lzma", 93: "zstd",
                95: "xz", 98: "ppmd", 99: "aes-encrypted"}


@dataclass(frozen=True)
class Unpacked:
    """The decompressed head of a file and what was learned on the way.

    ``complete`` means ``data`` is all of the (first member's) content; ``problem`` is one of
    "truncated", "bomb", "damaged", "unsupported" (with ``evidence`` saying more) or None.
    ``needs_more`` means the decoder ran out of input before the sample was settled (``out_cap``
    reached, the member complete, or a problem found): more of the file's head would give more
    data. Always False when the head was the whole file.
    """

    data: bytes
    compression: str | None
    member: str | None = None
    members: tuple[str, ...] = ()
    member_count: int | None = None
    complete: bool = False
    problem: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    needs_more: bool = False


@dataclass
class _Stream:
    out: bytes
    consumed: int
    ended: bool
    capped: bool
    unused: bytes = b""


def _inflate(data: bytes, wbits: int, out_cap: int) -> _Stream:
    """zlib/gzip/raw deflate, fed step by step until the stream ends, input runs out or the cap."""
    d = zlib.decompressobj(wbits)
    parts: list[bytes] = []
    produced = pos = 0
    pending = b""
    while produced < out_cap:
        if d.eof:
            # gzip allows several members back to back (cat a.gz b.gz): continue with the next.
            rest = d.unused_data
            if wbits != 47 or not (rest + data[pos:pos + 2]).startswith(b"\x1f\x8b"):
                break
            d = zlib.decompressobj(wbits)
            pending = rest
        if not pending:
            if pos >= len(data):
                break
            pending = data[pos:pos + _STEP]
            pos += len(pending)
        chunk = d.decompress(pending, out_cap - produced)
        parts.append(chunk)
        produced += len(chunk)
        pending = d.unconsumed_tail
    consumed = pos - len(pending) - len(d.unused_data)
    return _Stream(b"".join(parts), max(consumed, 1), d.eof, produced >= out_cap and not d.eof,
                   d.unused_data)


def _bunzip(data: bytes, out_cap: int) -> _Stream:
    """bzip2 the same way; the decoder buffers unread input itself (``needs_input``)."""
    d = bz2.BZ2Decompressor()
    parts: list[bytes] = []
    produced = pos = 0
    while produced < out_cap and not d.eof:
        if d.needs_input:
            if pos >= len(data):
                break
            feed = data[pos:pos + _STEP]
            pos += len(feed)
        else:
            feed = b""
        chunk = d.decompress(feed, out_cap - produced)
        parts.append(chunk)
        produced += len(chunk)
    return _Stream(b"".join(parts), max(pos - len(d.unused_data), 1), d.eof,
                   produced >= out_cap and not d.eof, d.unused_data)


def ratio_exceeded(produced: int, consumed: int, ratio_cap: float = DEFAULT_RATIO_CAP) -> bool:
    """Does ``produced`` output bytes from ``consumed`` input bytes look like a decompression bomb?
    (Only judged past :data:`RATIO_FLOOR` bytes of output.)"""
    return produced > RATIO_FLOOR and produced / max(consumed, 1) > ratio_cap


def zip_method_name(method: int) -> str:
    """A zip compression method number as a name ("deflate", "bzip2", "lzma"...)."""
    return _ZIP_METHODS.get(method, str(method))


def zlib_wbits(data: bytes) -> int:
    """zlib's ``wbits`` for a deflate stream: 15 with a zlib header (RFC 1950), -15 for raw."""
    return 15 if is_zlib_header(data) else -15


def is_zlib_header(data: bytes) -> bool:
    """A zlib header: deflate method, a window of at most 32 KiB, and its check bits right."""
    return (len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7
            and (data[0] << 8 | data[1]) % 31 == 0)


def _judge(stream: _Stream, *, whole: bool, ratio_cap: float, what: str) -> tuple[str | None,
                                                                                    dict[str, Any]]:
    ratio = len(stream.out) / stream.consumed
    evidence: dict[str, Any] = {"compressed_bytes_read": stream.consumed,
                                "decompressed_bytes": len(stream.out), "ratio": round(ratio, 1)}
    if stream.capped and ratio > ratio_cap:
        evidence["ratio_cap"] = ratio_cap
        return "bomb", evidence
    if whole and not stream.ended and not stream.capped:
        evidence["reason"] = f"the {what} stream ends before its end marker (file cut short)"
        return "truncated", evidence
    return None, evidence


def unpack(head: bytes, compression: str, *, whole: bool, out_cap: int,
           ratio_cap: float = DEFAULT_RATIO_CAP, tail: bytes | None = None,
           size: int | None = None) -> Unpacked:
    """Decompress the head of a file compressed with ``compression`` (as found by magic).

    ``whole``: ``head`` is the entire file, so a stream that stops early is a damaged file rather
    than a short sample. ``tail``: the last bytes of the file (zip keeps its member list there).
    """
    try:
        if compression == "gzip":
            return _unpack_stream(head, "gzip", whole, out_cap, ratio_cap)
        if compression == "bzip2":
            return _unpack_stream(head, "bzip2", whole, out_cap, ratio_cap)
        if compression == "deflate":
            return _unpack_stream(head, "deflate", whole, out_cap, ratio_cap)
        if compression == "zip":
            return _unpack_zip(head, whole, out_cap, ratio_cap, tail, size)
        if compression == "tar":
            return _unpack_tar(head, "tar", whole or False, out_cap)
    except (zlib.error, OSError, EOFError, ValueError, struct.error) as exc:
        return Unpacked(b"", compression, problem="damaged",
                        evidence={"reason": f"{type(exc).__name__}: {exc}"})
    return Unpacked(b"", compression, problem="unsupported", evidence={"compression": compression})


def _unpack_stream(head: bytes, kind: str, whole: bool, out_cap: int,
                   ratio_cap: float) -> Unpacked:
    # Room for tar headers inside a compressed tar, so its first member still gets out_cap bytes.
    cap = out_cap + 8 * 512
    if kind == "bzip2":
        stream = _bunzip(head, cap)
    else:
        stream = _inflate(head, 47 if kind == "gzip" else zlib_wbits(head), cap)
    problem, evidence = _judge(stream, whole=whole, ratio_cap=ratio_cap, what=kind)
    if problem == "bomb":
        return Unpacked(b"", kind, problem=problem, evidence=evidence)
    # A gzip stream that ends exactly where the head ends may be followed by another member in
    # the part not read yet, so it is neither complete nor settled.
    open_end = kind == "gzip" and stream.ended and not stream.unused and not whole
    # Input ran out before the cap (so neither the sample nor the bomb test is settled yet).
    more = not whole and not stream.capped and (open_end or not stream.ended)
    if kind != "deflate" and is_tar(stream.out):
        inner = _unpack_tar(stream.out, f"tar.{'gz' if kind == 'gzip' else 'bz2'}",
                            stream.ended, out_cap)
        needs_more = more and not inner.complete and len(inner.data) < out_cap
        if problem and not inner.problem:
            return Unpacked(inner.data, inner.compression, inner.member, inner.members,
                            inner.member_count, False, problem, evidence, needs_more)
        return replace(inner, needs_more=needs_more)
    complete = stream.ended and not open_end and not stream.unused.strip(b"\0")
    return Unpacked(stream.out[:out_cap], kind, complete=complete and len(stream.out) <= out_cap,
                    problem=problem, evidence=evidence, needs_more=more)


def _tar_size(field_: bytes) -> int:
    if field_ and field_[0] & 0x80:  # GNU base-256 for sizes >= 8 GiB
        return int.from_bytes(field_[1:], "big")
    text = field_.strip(b"\0 ")
    return int(text, 8) if text else 0


def _unpack_tar(data: bytes, kind: str, whole: bool, out_cap: int) -> Unpacked:
    off = 0
    next_name: str | None = None
    first: tuple[str, bytes, bool] | None = None
    names: list[str] = []
    count = 0
    while off + 512 <= len(data):
        block = data[off:off + 512]
        if block == b"\0" * 512:
            break
        size = _tar_size(block[124:136])
        typ = block[156:157]
        name = block[0:100].split(b"\0", 1)[0]
        prefix = block[345:500].split(b"\0", 1)[0] if block[257:262] == b"ustar" else b""
        full = (prefix + b"/" + name if prefix else name).decode("utf-8", "replace")
        body_start = off + 512
        off = body_start + (size + 511) // 512 * 512
        if typ == b"L":  # GNU long name: the body is the next member's name
            next_name = data[body_start:body_start + size].split(b"\0", 1)[0].decode(
                "utf-8", "replace")
            continue
        if typ in (b"x", b"g"):  # pax header: may carry the next member's path
            for rec in data[body_start:body_start + size].split(b"\n"):
                if b" path=" in rec:
                    next_name = rec.split(b" path=", 1)[1].decode("utf-8", "replace")
            continue
        full = next_name or full
        next_name = None
        if typ not in (b"0", b"\0", b"7"):
            continue  # directories, links, devices
        count += 1
        if first is None:
            body = data[body_start:body_start + min(size, out_cap)]
            first = (full, body, size <= out_cap and len(body) == size)
        elif len(names) < MEMBER_LIST_CAP:
            names.append(full)
    if first is None:
        problem = "damaged" if whole else None
        return Unpacked(b"", kind, problem=problem or "unsupported",
                        evidence={"reason": "no regular file in the part of the archive read"},
                        needs_more=not whole)
    member, member_body, complete = first
    short = not complete and len(member_body) < out_cap
    problem = "truncated" if whole and short else None
    evidence = {"reason": "the archive ends inside its first member"} if problem else {}
    return Unpacked(member_body, kind, member, tuple(names), None, complete, problem, evidence,
                    needs_more=short and not whole)


_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<4sHHHHIIH")


def _zip_members(tail: bytes | None, size: int | None) -> tuple[list[str], int] | None:
    """Member names from the central directory, when the tail holds it."""
    if not tail or size is None:
        return None
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        return None
    _, _, _, _, total, _size, cd_offset, _ = _EOCD.unpack_from(tail, at)
    tail_start = size - len(tail)
    pos = cd_offset - tail_start
    if cd_offset == 0xFFFFFFFF or pos < 0:
        return [], total  # zip64 or a directory larger than the tail: count only
    names: list[str] = []
    for _ in range(total):
        if pos + _CENTRAL.size > len(tail) or tail[pos:pos + 4] != b"PK\x01\x02":
            break
        fields = _CENTRAL.unpack_from(tail, pos)
        nlen, xlen, clen = fields[10], fields[11], fields[12]
        name = tail[pos + 46:pos + 46 + nlen].decode("utf-8", "replace")
        if not name.endswith("/") and len(names) < MEMBER_LIST_CAP + 1:
            names.append(name)
        pos += 46 + nlen + xlen + clen
    return names, total


def _unpack_zip(head: bytes, whole: bool, out_cap: int, ratio_cap: float, tail: bytes | None,
                size: int | None) -> Unpacked:
    off = 0
    while True:
        if head[off:off + 4] != b"PK\x03\x04" or off + _LOCAL.size > len(head):
            return Unpacked(b"", "zip", problem="damaged" if whole else "unsupported",
                            evidence={"reason": "no file member in the part of the archive read"},
                            needs_more=not whole)
        (_, _, flags, method, _, _, _, csize, usize, nlen, xlen) = _LOCAL.unpack_from(head, off)
        name = head[off + 30:off + 30 + nlen].decode("utf-8", "replace")
        start = off + 30 + nlen + xlen
        if not name.endswith("/"):
            break
        off = start + csize  # a directory entry: skip to the next header
    listed = _zip_members(tail, size)
    others = [n for n in (listed[0] if listed else []) if n != name][:MEMBER_LIST_CAP]
    count = listed[1] if listed else None
    base: dict[str, Any] = {"member": name, "method": zip_method_name(method)}
    if flags & 1:
        return Unpacked(b"", "zip", name, tuple(others), count, problem="unsupported",
                        evidence={**base, "reason": "the member is encrypted"})
    if csize not in (0, 0xFFFFFFFF) and usize not in (0, 0xFFFFFFFF) and usize > 16 * out_cap \
            and usize / csize > ratio_cap:
        return Unpacked(b"", "zip", name, tuple(others), count, problem="bomb",
                        evidence={**base, "declared_size": usize, "compressed_size": csize,
                                  "ratio": round(usize / csize, 1), "ratio_cap": ratio_cap})
    body = head[start:start + csize] if csize not in (0, 0xFFFFFFFF) else head[start:]
    if method == 0:
        data = body[:out_cap]
        complete = usize not in (0, 0xFFFFFFFF) and len(data) == usize
        problem = "truncated" if whole and csize and len(body) < csize else None
        return Unpacked(data, "zip", name, tuple(others), count, complete, problem,
                        {"reason": "the archive ends inside its first member"} if problem else {},
                        needs_more=not whole and not complete and len(data) < out_cap)
    if method not in (8, 12):
        return Unpacked(b"", "zip", name, tuple(others), count, problem="unsupported",
                        evidence={**base, "reason": "compression method not readable"})
    stream = _inflate(body, -15, out_cap) if method == 8 else _bunzip(body, out_cap)
    problem, evidence = _judge(stream, whole=whole, ratio_cap=ratio_cap, what="zip member")
    if problem == "bomb":
        return Unpacked(b"", "zip", name, tuple(others), count, problem=problem,
                        evidence={**base, **evidence})
    return Unpacked(stream.out, "zip", name, tuple(others), count, stream.ended, problem,
                    {**base, **evidence} if problem else {},
                    needs_more=not whole and not stream.ended and not stream.capped)
