"""The FTP control connection of one run: ftplib in a worker thread, every call bounded in time.

Why ftplib (standard library) and not an asyncio client: it is always there, it speaks explicit
FTPS (``FTP_TLS``, PBSZ/PROT, TLS on each data connection) with the standard ssl module we verify
certificates with elsewhere, and its blocking calls are easy to bound: the socket timeout is the
step budget and ``asyncio.wait_for`` around ``asyncio.to_thread`` gives the caller the same budget
even when the server trickles bytes. The asyncio FTP libraries on PyPI are not installed here, and
none offers more than ftplib for a read-only diagnosis. See docs/ftp.md.

Two ftplib habits are changed: replies are read with bounds (:mod:`.wire`: ftplib limits a line but
not the number of lines of a multi-line reply), and data transfers are our own loops that stop
after the bytes or lines we need (never a whole file, never an endless listing). Calls are
serialised: FTP has one command in flight per control connection. After a timeout the connection's
state is unknown, so it is closed and later calls fail at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
import socket
import ssl
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import FtpError
from .wire import MAX_LINE, MAX_LINES, MAX_REPLY, ReplyTooLong

T = TypeVar("T")


class _Bounded:
    """Mixin over ftplib.FTP: replies read within bounds; undecodable bytes a protocol error."""

    maxline = MAX_LINE
    file: Any

    def getline(self) -> str:
        try:
            line: str = self.file.readline(self.maxline + 1)
        except UnicodeDecodeError:
            raise ftplib.error_proto("reply is not text (undecodable bytes)") from None
        if len(line) > self.maxline:
            raise ReplyTooLong(f"a reply line longer than {self.maxline} bytes")
        if not line:
            raise EOFError
        return line.rstrip("\r\n")

    def getmultiline(self) -> str:
        line = self.getline()
        lines, size = [line], len(line)
        if line[3:4] == "-":
            code = line[:3]
            while True:
                nextline = self.getline()
                lines.append(nextline)
                size += len(nextline)
                if len(lines) > MAX_LINES:
                    raise ReplyTooLong(f"a reply of more than {MAX_LINES} lines")
                if size > MAX_REPLY:
                    raise ReplyTooLong(f"a reply of more than {MAX_REPLY} bytes")
                if nextline[:3] == code and nextline[3:4] != "-":
                    break
        return "\n".join(lines)


class PlainFTP(_Bounded, ftplib.FTP):
    """ftp:// — no TLS."""


class ExplicitFTPS(_Bounded, ftplib.FTP_TLS):
    """ftps:// — AUTH TLS after the greeting."""


class ImplicitFTPS(_Bounded, ftplib.FTP_TLS):
    """ftps+implicit:// — TLS from the first byte, then the greeting inside it."""

    def connect(self, host: str = "", port: int = 0, timeout: float = -999,
                source_address: Any = None) -> str:
        self.host, self.port = host, port
        if timeout != -999:
            self.timeout = timeout
        raw = socket.create_connection((host, port), self.timeout)
        try:
            self.sock = self.context.wrap_socket(raw, server_hostname=host)
        except BaseException:
            raw.close()
            raise
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


def error_of(exc: BaseException) -> FtpError:
    """Any exception of an ftplib exchange as an :class:`FtpError`."""
    if isinstance(exc, FtpError):
        return exc
    if isinstance(exc, ReplyTooLong):
        return FtpError("protocol", f"the server sent {exc.what}")
    if isinstance(exc, ftplib.error_proto):
        return FtpError("protocol", str(exc))
    if isinstance(exc, (ftplib.error_perm, ftplib.error_temp, ftplib.error_reply)):
        text = str(exc)
        code = int(text[:3]) if text[:3].isdigit() else None
        return FtpError("reply", text[4:] if code else text, code)
    if isinstance(exc, ssl.SSLError):
        return FtpError("tls", f"{type(exc).__name__}: {exc}")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return FtpError("connection", "timed out")
    if isinstance(exc, EOFError):
        return FtpError("connection", "the server closed the connection")
    if isinstance(exc, OSError):
        return FtpError("connection", f"{type(exc).__name__}: {exc.strerror or exc}")
    if isinstance(exc, ValueError):  # ftplib refuses a command with a line break in it
        return FtpError("protocol", str(exc))
    raise exc


class FtpSession:
    """One logged-in (or logging-in) control connection, driven from the event loop.

    ``run(fn, *args)`` calls ``fn(ftp, *args)`` in a worker thread with the step timeout; every
    ftplib failure comes back as :class:`FtpError`."""

    def __init__(self, ftp: ftplib.FTP, timeout: float) -> None:
        self.ftp = ftp
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self.broken: str | None = None

    @classmethod
    async def open(cls, settings: Any, timeout: float, context: ssl.SSLContext | None) -> FtpSession:
        """Connect and read the greeting (inside TLS for implicit mode; AUTH TLS for explicit)."""
        def connect() -> ftplib.FTP:
            ftp: ftplib.FTP
            if settings.tls_mode == "implicit":
                ftp = ImplicitFTPS(context=context, timeout=timeout)
            elif settings.tls_mode == "explicit":
                ftp = ExplicitFTPS(context=context, timeout=timeout)
            else:
                ftp = PlainFTP(timeout=timeout)
            ftp.encoding = "utf-8"
            try:
                ftp.connect(settings.host, settings.port, timeout)
                if settings.tls_mode == "explicit":
                    assert isinstance(ftp, ftplib.FTP_TLS)
                    ftp.auth()
            except BaseException:
                ftp.close()
                raise
            return ftp

        try:
            ftp = await asyncio.wait_for(asyncio.to_thread(connect), timeout * 2)
        except TimeoutError:
            raise FtpError("connection", f"no greeting within {timeout:g} s") from None
        except Exception as exc:  # classified by error_of, re-raised when unknown
            raise error_of(exc) from None
        return cls(ftp, timeout)

    async def run(self, fn: Callable[..., T], *args: Any, steps: float = 1.0) -> T:
        """``fn(ftp, *args)`` in a worker thread, one call at a time, within the step timeout."""
        async with self._lock:
            if self.broken:
                raise FtpError("connection", self.broken)
            try:
                return await asyncio.wait_for(asyncio.to_thread(self._call, fn, args, steps),
                                              self.timeout * steps)
            except TimeoutError:
                self.broken = ("the connection was closed after a request took over "
                               f"{self.timeout * steps:g} s")
                self.close()
                raise FtpError("connection", "timed out") from None
            except Exception as exc:  # classified by error_of, re-raised when unknown
                err = error_of(exc)
                if err.kind in ("connection", "protocol", "tls"):
                    self.broken = f"the connection failed earlier ({err.text})"
                    self.close()
                raise err from None

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...], steps: float) -> T:
        """In the worker thread: the control socket's timeout follows the call's budget."""
        sock = self.ftp.sock
        if steps != 1.0 and sock is not None:
            sock.settimeout(self.timeout * steps)
        try:
            return fn(self.ftp, *args)
        finally:
            if steps != 1.0 and self.ftp.sock is not None:
                with contextlib.suppress(OSError):
                    self.ftp.sock.settimeout(self.timeout)

    def close(self) -> None:
        """Close the control connection without QUIT (safe from any thread, twice)."""
        with contextlib.suppress(Exception):
            self.ftp.close()

    async def aclose(self) -> None:
        """QUIT politely when the connection is healthy, then close."""
        if not self.broken:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.to_thread(self.ftp.quit), min(self.timeout, 2.0))
        self.close()


def send(ftp: ftplib.FTP, command: str) -> str:
    """Send one command and return its final reply (ftplib raises for 4xx/5xx)."""
    return ftp.sendcmd(command)


def reply_code(text: str) -> int | None:
    return int(text[:3]) if text[:3].isdigit() else None


def read_data(ftp: ftplib.FTP, command: str, limit: int, rest: int | None = None) -> bytes:
    """Open a data connection for ``command`` (RETR …), keep at most ``limit`` bytes, close it,
    and read the closing reply (226 when everything came, 426/451 when we stopped early)."""
    conn = ftp.transfercmd(command, rest)
    chunks: list[bytes] = []
    got = 0
    try:
        while got < limit:
            chunk = conn.recv(min(65536, limit - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    finally:
        with contextlib.suppress(OSError):
            conn.close()
    _closing_reply(ftp)
    return b"".join(chunks)


def read_lines(ftp: ftplib.FTP, command: str, max_lines: int) -> tuple[list[str], bool]:
    """The lines a listing command sends on its data connection, at most ``max_lines`` (each at
    most MAX_LINE bytes); ``(lines, cut)`` where ``cut`` means we stopped before the end."""
    conn = ftp.transfercmd(command)
    lines: list[str] = []
    cut = False
    try:
        with conn.makefile("rb") as fp:
            while True:
                raw = fp.readline(MAX_LINE + 1)
                if not raw:
                    break
                if len(lines) >= max_lines:
                    cut = True
                    break
                lines.append(raw[:MAX_LINE].rstrip(b"\r\n").decode(ftp.encoding, "surrogateescape"))
    finally:
        with contextlib.suppress(OSError):
            conn.close()
    _closing_reply(ftp)
    return lines, cut


def _closing_reply(ftp: ftplib.FTP) -> None:
    """The reply that ends a transfer; an abort we caused (426/451) is expected, not a fault."""
    try:
        ftp.voidresp()
    except (ftplib.error_temp, ftplib.error_perm) as exc:
        if str(exc)[:3] not in ("426", "451", "425", "450"):
            raise
