"""Reading the files a user names: one bounded reader that never blocks and never balloons.

Every path the user gives (``--known-hosts``, ``--key``, ``--map``, a report, ``--lake``, the
profiles file, a fleet inventory or result, ``--ca-bundle``, a records file) goes through here,
with one rule:

* the type is checked with ``os.stat`` **before** anything opens the path: a FIFO, a device, a
  socket or a directory is refused with a one-line error (opening a FIFO blocks until a writer
  appears; ``/dev/zero`` never ends);
* the open is ``O_NONBLOCK``, so a path swapped for a FIFO between the stat and the open still
  cannot block, and ``fstat`` on the open descriptor confirms it is the regular file we checked;
* bytes are counted while reading (``limit + 1`` at most), never trusted from ``st_size``.

Symlinks are followed on purpose: ``~/.ssh/known_hosts`` or a key is often a link into a dotfiles
folder; the checks apply to what the link points at.

The caps (documented in docs/limits.md) are the constants below; callers pass the one for their
kind of file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, Protocol

#: A private key, in any format (the key layer's own limit is the same).
KEY_LIMIT = 1 << 20
#: A mapping file (``ingest --map``).
MAPPING_LIMIT = 1 << 20
#: A saved JSON report or support bundle (``report show|convert|diff``).
REPORT_LIMIT = 64 << 20
#: The TUI's saved profiles.
PROFILES_LIMIT = 4 << 20
#: A CA bundle (``--ca-bundle``): the system's whole bundle is about 220 KB.
CA_BUNDLE_LIMIT = 4 << 20
#: A known_hosts file is streamed line by line (only matching lines are kept), so this caps time,
#: not memory.
KNOWN_HOSTS_LIMIT = 256 << 20
#: Longest known_hosts line kept; longer lines cannot hold a host key and are skipped.
KNOWN_HOSTS_LINE_LIMIT = 64 << 10

_CHUNK = 1 << 16


class UserFileError(ValueError):
    """A user-named file cannot be used. ``field`` is the option or argument that named it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words a user recognises."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refusal(path: str, mode: int, fix: str) -> str:
    return f"{path} is {kind_of(mode)}, not a regular file; {fix}"


def is_dev_null(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is the null device: the one non-regular file an option may document as
    "empty" (``--known-hosts /dev/null`` trusts nothing, as ssh's UserKnownHostsFile=/dev/null)."""
    try:
        return os.path.samefile(path, os.devnull)
    except OSError:
        return False


def check_regular(path: str | os.PathLike[str], field: str, *, fix: str = "give a regular file"
                  ) -> os.stat_result:
    """The ``stat`` of ``path`` if it is an existing regular file; :class:`UserFileError` if not.

    ``fix`` ends the message (what to give instead). Nothing is opened.
    """
    name = os.fspath(path)
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise UserFileError(field, f"{name} does not exist; check the path") from None
    except OSError as exc:
        raise UserFileError(field, f"cannot read {name} ({exc.strerror}); check the path") from None
    if not stat.S_ISREG(st.st_mode):
        raise UserFileError(field, _refusal(name, st.st_mode, fix))
    return st


@contextmanager
def open_regular(path: str | os.PathLike[str], field: str, *, fix: str = "give a regular file"
                 ) -> Iterator[BinaryIO]:
    """Open a user-named regular file for reading, without ever blocking (see module docstring)."""
    name = os.fspath(path)
    check_regular(name, field, fix=fix)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(name, flags)
    except OSError as exc:
        raise UserFileError(field, f"cannot open {name} ({exc.strerror}); check the path") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # swapped after the stat
            raise UserFileError(field, _refusal(name, mode, fix))
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as fh:
        yield fh


class Readable(Protocol):
    """Anything with ``read(n) -> bytes`` (a file, a zip member)."""

    def read(self, n: int = -1, /) -> bytes: ...


def read_capped(fh: Readable, limit: int) -> bytes:
    """At most ``limit + 1`` bytes from ``fh``, counted as they arrive (the caller tests > limit)."""
    parts: list[bytes] = []
    left = limit + 1
    while left > 0:
        chunk = fh.read(min(_CHUNK, left))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def read_user_file(path: str | os.PathLike[str], field: str, *, limit: int, what: str = "file",
                   fix: str = "give a regular file") -> bytes:
    """All bytes of a user-named regular file of at most ``limit`` bytes.

    ``what`` names the kind of file in the too-large message (``"a mapping file"``).
    Raises :class:`UserFileError` for a missing, non-regular, unreadable or too large file.
    """
    name = os.fspath(path)
    with open_regular(name, field, fix=fix) as fh:
        try:
            data = read_capped(fh, limit)
        except OSError as exc:
            raise UserFileError(field, f"cannot read {name} ({exc.strerror})") from None
    if len(data) > limit:
        raise UserFileError(
            field, f"{name} is larger than {_size(limit)}, too large for {what}; check the path"
        )
    return data


def read_head(path: str | os.PathLike[str], field: str, n: int, *,
              fix: str = "give a regular file") -> bytes:
    """The first ``n`` bytes (or fewer) of a user-named regular file."""
    with open_regular(path, field, fix=fix) as fh:
        try:
            return fh.read(n)
        except OSError as exc:
            raise UserFileError(field, f"cannot read {os.fspath(path)} ({exc.strerror})") from None


def iter_line_blocks(path: str | os.PathLike[str], field: str, *, limit: int, line_limit: int,
                     block: int = 1 << 20, what: str = "file", fix: str = "give a regular file"
                     ) -> Iterator[bytes]:
    """A user-named regular file as blocks of whole lines, streamed: memory stays at one block.

    Each block ends at a line end (except perhaps the file's last line). A line longer than
    ``line_limit`` that spans blocks is dropped (its rest is read and discarded); shorter
    over-long lines inside a block are left for the caller to skip. More than ``limit`` bytes in
    all raises :class:`UserFileError`. Scanning whole blocks keeps a 200 MB file to seconds.
    """
    name = os.fspath(path)
    with open_regular(name, field, fix=fix) as fh:
        total = 0
        carry = b""
        skipping = False  # inside an over-long line: drop bytes until its end
        while True:
            try:
                data = fh.read(block)
            except OSError as exc:
                raise UserFileError(field, f"cannot read {name} ({exc.strerror})") from None
            if not data:
                break
            total += len(data)
            if total > limit:
                raise UserFileError(
                    field, f"{name} is larger than {_size(limit)}, too large for {what}; "
                    "check the path"
                )
            if skipping:
                end = data.find(b"\n")
                if end == -1:
                    continue
                data, skipping = data[end + 1:], False
            buf = carry + data
            end = buf.rfind(b"\n")
            if end == -1:
                carry = buf
            else:
                carry = buf[end + 1:]
                yield buf[:end + 1]
            if len(carry) > line_limit:
                carry, skipping = b"", True
        if carry and not skipping:
            yield carry


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n} bytes"


_PEM_CERT = b"-----BEGIN CERTIFICATE-----"


def read_ca_bundle(path: str | os.PathLike[str], field: str = "ca_bundle") -> bytes:
    """A ``--ca-bundle`` file's bytes: regular, at most :data:`CA_BUNDLE_LIMIT`, and holding at
    least one PEM certificate — checked here, once, before any TLS library (ssl, botocore,
    librdkafka, azure-core) is handed the path to read on its own."""
    fix = "give the PEM file of the CA certificate(s)"
    data = read_user_file(path, field, limit=CA_BUNDLE_LIMIT, what="a CA bundle", fix=fix)
    if _PEM_CERT not in data:
        raise UserFileError(field, f"{os.fspath(path)} holds no PEM certificate "
                                   f"(no '-----BEGIN CERTIFICATE-----' line); {fix}")
    return data

