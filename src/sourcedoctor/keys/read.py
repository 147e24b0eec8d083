"""Reading key material from a path or standard input without ever blocking or reading too much."""

from __future__ import annotations

import sys

from ..userfiles import UserFileError, read_user_file
from .normalize import MAX_INPUT


class KeySourceError(ValueError):
    """The key source cannot be read; the message says why and what to give instead."""


def read_key_source(path_or_dash: str, *, limit: int = MAX_INPUT) -> bytes:
    """The bytes of a key file, or of standard input for ``-``; at most ``limit`` bytes.

    FIFOs, devices, sockets and directories are refused before opening (opening a FIFO blocks until
    a writer appears), through the one bounded reader in :mod:`sourcedoctor.userfiles`. A file
    larger than ``limit`` raises; standard input returns ``limit + 1`` bytes at most, so the caller
    can tell "too large".
    """
    if path_or_dash == "-":
        stream = sys.stdin.buffer
        return stream.read(limit + 1)
    try:
        data = read_user_file(
            path_or_dash, "FILE", limit=limit, what="a private key",
            fix="give the key file itself, or '-' to read standard input",
        )
    except UserFileError as exc:
        raise KeySourceError(exc.message) from None
    return data
