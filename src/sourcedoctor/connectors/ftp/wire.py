"""FTP replies off the wire, bounded: what a hostile or confused server may send cannot eat memory.

An FTP reply is ``DDD text`` or a multi-line ``DDD-text … DDD text`` (RFC 959 4.2). We keep at
most :data:`MAX_LINE` bytes a line, :data:`MAX_LINES` lines and :data:`MAX_REPLY` bytes a reply;
anything beyond is a protocol fault (``ftp.protocol_error``), never a longer wait or a bigger buffer.
Also here: naming what answered when it is not FTP (an SSH banner means an SFTP server).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Longest reply line kept (ftplib's own limit is the same).
MAX_LINE = 8192
#: Most lines of one multi-line reply (a long welcome banner has a few dozen).
MAX_LINES = 1000
#: Most bytes of one reply.
MAX_REPLY = 64 * 1024
_FIRST = re.compile(rb"^(\d{3})([ -])")


class ReplyTooLong(Exception):
    """The server's reply broke a bound (line, line count or size); ``what`` says which."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@dataclass(frozen=True)
class Reply:
    """One complete reply: its three-digit code and its lines (without CRLF)."""

    code: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def parse_reply(buf: bytes) -> Reply | None:
    """The first complete reply in ``buf``; None while it is incomplete.

    Raises ``ValueError`` when ``buf`` does not start like an FTP reply, :class:`ReplyTooLong`
    when a bound is broken."""
    first_end = buf.find(b"\n")
    first = buf if first_end < 0 else buf[:first_end]
    if len(first) > MAX_LINE:
        raise ReplyTooLong(f"a reply line longer than {MAX_LINE} bytes")
    if len(buf) >= 4 and not _FIRST.match(buf):
        raise ValueError("not an FTP reply")
    if first_end < 0:
        return None
    match = _FIRST.match(first)
    if match is None:
        raise ValueError("not an FTP reply")
    code = match.group(1)
    lines: list[bytes] = []
    for raw in buf.split(b"\n")[:-1]:  # complete lines only
        if len(raw) > MAX_LINE:
            raise ReplyTooLong(f"a reply line longer than {MAX_LINE} bytes")
        lines.append(raw.rstrip(b"\r"))
        if len(lines) > MAX_LINES:
            raise ReplyTooLong(f"a reply of more than {MAX_LINES} lines")
        if match.group(2) == b" " or (len(lines) > 1 and raw[:3] == code and raw[3:4] == b" "):
            return Reply(int(code), tuple(x.decode("utf-8", "replace") for x in lines))
    if len(buf) > MAX_REPLY:
        raise ReplyTooLong(f"a reply of more than {MAX_REPLY} bytes")
    last = buf.rsplit(b"\n", 1)[-1]
    if len(last) > MAX_LINE:
        raise ReplyTooLong(f"a reply line longer than {MAX_LINE} bytes")
    return None


def escape_bytes(data: bytes, limit: int = 200) -> str:
    """Bytes as printable text for evidence (controls and non-ASCII as escapes), at most ``limit``."""
    shown = data[:limit].decode("latin-1")
    out = "".join(c if 32 <= ord(c) < 127 else repr(c)[1:-1] for c in shown)
    return out + ("…" if len(data) > limit else "")


def describe_other(data: bytes) -> str:
    """What answered, when it is not FTP: SSH, HTTP, TLS, or other bytes."""
    if data.startswith(b"SSH-"):
        return "an SSH server (SFTP)"
    if data[:5].upper().startswith(b"HTTP/") or b"<html" in data[:200].lower():
        return "an HTTP server"
    if data[:1] in (b"\x15", b"\x16") and data[1:2] == b"\x03":
        return "a TLS server (implicit TLS?)"
    if data and all(32 <= b < 127 or b in (9, 10, 13) for b in data[:200]):
        return "a text protocol that is not FTP"
    return "binary data"


def ssh_banner(data: bytes) -> str | None:
    """The SSH identification line when ``data`` starts with one."""
    if not data.startswith(b"SSH-"):
        return None
    return data.split(b"\n", 1)[0].rstrip(b"\r")[:255].decode("ascii", "replace")
