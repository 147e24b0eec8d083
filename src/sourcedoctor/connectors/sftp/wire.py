"""Reading the SSH wire before encryption starts: identification lines and KEXINIT packets.

asyncssh negotiates for us but does not hand out what the server offered. Everything up to NEWKEYS
travels in clear, so a passive tap on the byte stream sees the server's identification string and both
KEXINIT packets exactly as ssh-audit does, without a second connection.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

MSG_KEXINIT = 20
MSG_NEWKEYS = 21
#: RFC 4253 4.2: lines before the identification are allowed; we keep a bounded number of them.
MAX_IDENT_BYTES = 16 * 1024
#: A KEXINIT is a few KiB; anything claiming more than this is not an SSH server we can talk to.
MAX_PACKET = 256 * 1024

KEXINIT_FIELDS = (
    "kex",
    "host_key",
    "cipher_c2s",
    "cipher_s2c",
    "mac_c2s",
    "mac_s2c",
    "compression_c2s",
    "compression_s2c",
    "languages_c2s",
    "languages_s2c",
)


@dataclass(frozen=True)
class KexInit:
    """The algorithm lists of one side's KEXINIT, in preference order."""

    kex: tuple[str, ...]
    host_key: tuple[str, ...]
    cipher_c2s: tuple[str, ...]
    cipher_s2c: tuple[str, ...]
    mac_c2s: tuple[str, ...]
    mac_s2c: tuple[str, ...]
    compression_c2s: tuple[str, ...]
    compression_s2c: tuple[str, ...]

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "kex": list(self.kex),
            "host_key": list(self.host_key),
            "cipher": list(self.cipher_c2s),
            "mac": list(self.mac_c2s),
            "compression": list(self.compression_c2s),
        }


def parse_kexinit(payload: bytes) -> KexInit:
    """Parse a KEXINIT payload (starting with the message number). Raises ValueError if malformed."""
    if not payload or payload[0] != MSG_KEXINIT:
        raise ValueError("not a KEXINIT packet")
    pos = 1 + 16  # message number, cookie
    lists: list[tuple[str, ...]] = []
    for _ in KEXINIT_FIELDS:
        if pos + 4 > len(payload):
            raise ValueError("truncated KEXINIT")
        (n,) = struct.unpack_from(">I", payload, pos)
        pos += 4
        if pos + n > len(payload):
            raise ValueError("truncated KEXINIT name-list")
        raw = payload[pos : pos + n].decode("ascii", errors="replace")
        pos += n
        lists.append(tuple(x for x in raw.split(",") if x))
    return KexInit(*lists[:8])


def escape_bytes(raw: bytes) -> str:
    """Printable ASCII as it is, every other byte as ``\\xNN`` (and ``\\`` doubled), so any
    server text is shown exactly and safely, whatever its encoding."""
    return "".join(
        "\\\\" if b == 0x5C else chr(b) if 32 <= b < 127 else f"\\x{b:02x}" for b in raw
    )


def escape_text(raw: bytes) -> str:
    """Server text that may be UTF-8 (RFC 4253 allows it in the lines before the identification):
    decoded leniently, with control characters and undecodable bytes escaped."""
    text = raw.decode("utf-8", errors="backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


@dataclass(frozen=True)
class Identification:
    """The peer's identification line (escaped, see :func:`escape_bytes`) and the lines it sent
    before it."""

    line: str
    pre_lines: tuple[str, ...] = ()
    #: RFC 4253 4.2 wants US-ASCII; asyncssh cannot continue past anything else.
    ascii_only: bool = True

    @property
    def protocol(self) -> str:
        return self.line.split("-", 2)[1] if self.line.count("-") >= 2 else ""

    @property
    def software(self) -> str:
        rest = self.line.split("-", 2)[2] if self.line.count("-") >= 2 else ""
        return rest.split(" ", 1)[0]

    @property
    def comments(self) -> str:
        rest = self.line.split("-", 2)[2] if self.line.count("-") >= 2 else ""
        return rest.split(" ", 1)[1] if " " in rest else ""


#: Lines before the identification kept as evidence (RFC 4253 puts no limit on their number).
MAX_PRE_LINES = 20


def find_identification(buf: bytes) -> tuple[Identification, int] | None:
    """Find the ``SSH-`` line in ``buf``; returns it and the offset just after it, or None."""
    start = 0
    pre: list[str] = []
    while True:
        nl = buf.find(b"\n", start)
        if nl < 0:
            return None
        raw = buf[start:nl].rstrip(b"\r")
        if raw.startswith(b"SSH-"):
            return Identification(escape_bytes(raw), tuple(pre), raw.isascii()), nl + 1
        if len(pre) < MAX_PRE_LINES:
            pre.append(escape_text(raw))
        start = nl + 1


def identification_pending(buf: bytes) -> bool:
    """True when ``buf`` (no identification line in it yet) could still become one: the part
    after the last complete line is the start of an ``SSH-`` line. A server that sends its banner
    slowly is late, not something else."""
    tail = buf[buf.rfind(b"\n") + 1 :]
    return bool(tail) and (b"SSH-".startswith(tail) or tail.startswith(b"SSH-"))


@dataclass
class StreamTap:
    """Follows one direction of the clear-text part of an SSH stream.

    Feed it bytes in order; it finds the identification line, then parses binary packets until
    NEWKEYS, after which everything is encrypted and it only counts bytes.
    """

    ident: Identification | None = None
    kexinit: KexInit | None = None
    newkeys: bool = False
    error: str | None = None
    bytes_seen: int = 0
    _buf: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> None:
        self.bytes_seen += len(data)
        if self.newkeys or self.error:
            return
        self._buf += data
        if self.ident is None:
            found = find_identification(bytes(self._buf))
            if found is None:
                if len(self._buf) > MAX_IDENT_BYTES:
                    self.error = "no identification line in the first 16 KiB"
                return
            self.ident, used = found
            del self._buf[:used]
        while len(self._buf) >= 5 and not self.newkeys:
            (length,) = struct.unpack_from(">I", self._buf, 0)
            if length > MAX_PACKET or length < 2:
                self.error = f"implausible packet length {length}"
                return
            if len(self._buf) < 4 + length:
                return
            padding = self._buf[4]
            payload = bytes(self._buf[5 : 4 + length - padding])
            del self._buf[: 4 + length]
            if not payload:
                continue
            if payload[0] == MSG_KEXINIT and self.kexinit is None:
                try:
                    self.kexinit = parse_kexinit(payload)
                except ValueError as exc:
                    self.error = str(exc)
                    return
            elif payload[0] == MSG_NEWKEYS:
                self.newkeys = True
                self._buf.clear()


def describe_non_ssh(data: bytes) -> tuple[str, str]:
    """Name what answered instead of SSH: (kind, printable excerpt)."""
    excerpt = data[:120]
    text = excerpt.decode("latin-1")
    printable = "".join(c if c.isprintable() or c in "\r\n\t" else "·" for c in text).strip()
    if data[:2] in (b"\x15\x03", b"\x16\x03"):
        return "TLS (an HTTPS/FTPS or other TLS service)", excerpt.hex(" ")
    if data.startswith(b"220") or data.startswith(b"220-"):
        return "FTP server greeting (220)", printable
    if data.startswith(b"HTTP/"):
        return "HTTP server", printable
    if data.startswith(b"SSH-1."):
        return "SSH protocol 1 only (obsolete)", printable
    if data.startswith((b"+OK", b"* OK")):
        return "mail server (POP3/IMAP)", printable
    if data.startswith(b"RFB "):
        return "VNC server", printable
    if all(32 <= b < 127 or b in (9, 10, 13) for b in excerpt):
        return "text that is not an SSH identification", printable
    return "binary data", excerpt.hex(" ")
