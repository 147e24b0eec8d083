"""Reading key material from a path or standard input without ever blocking or reading too much."""

from __future__ import annotations

import os
import stat
import sys

from .normalize import MAX_INPUT


class KeySourceError(ValueError):
    """The key source cannot be read; the message says why and what to give instead."""


def read_key_source(path_or_dash: str, *, limit: int = MAX_INPUT) -> bytes:
    """The bytes of a key file, or of standard input for ``-``; at most ``limit`` bytes.

    FIFOs, devices, sockets and directories are refused before opening (opening a FIFO blocks until
    a writer appears). Returns ``limit + 1`` bytes at most, so the caller can tell "too large".
    """
    if path_or_dash == "-":
        stream = sys.stdin.buffer
        return stream.read(limit + 1)
    try:
        st = os.stat(path_or_dash)
    except FileNotFoundError:
        raise KeySourceError(f"{path_or_dash} does not exist") from None
    except OSError as exc:
        raise KeySourceError(f"{path_or_dash} cannot be read ({exc.strerror})") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise KeySourceError(f"{path_or_dash} is a directory; give the private key file inside it")
    if stat.S_ISFIFO(mode):
        raise KeySourceError(
            f"{path_or_dash} is a FIFO (named pipe); give a regular key file, or '-' to read standard input"
        )
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        raise KeySourceError(f"{path_or_dash} is a device or socket, not a key file")
    if not stat.S_ISREG(mode):
        raise KeySourceError(f"{path_or_dash} is not a regular file")
    if st.st_size > limit:
        raise KeySourceError(
            f"{path_or_dash} is {st.st_size} bytes, far larger than any private key "
            f"(limit {limit}); check the path"
        )
    # O_NONBLOCK: if the path was swapped for a FIFO after the stat, open still does not hang.
    try:
        fd = os.open(path_or_dash, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise KeySourceError(f"{path_or_dash} cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise KeySourceError(f"{path_or_dash} is not a regular file")
        return fh.read(limit + 1)
