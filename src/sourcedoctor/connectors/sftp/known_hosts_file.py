"""Reading a known_hosts file in bounded memory: stream it, keep only the lines for our host.

A known_hosts file can be large (a fleet's worth of entries); parsing it whole held several times
its size in memory. Here each line is looked at once and kept only if it can concern the server
being checked — a plain pattern naming it, a hashed entry whose HMAC matches one of its names, or
a wildcard pattern (left for asyncssh to evaluate). asyncssh then parses only those lines, so its
matching rules (markers, negation, wildcards) stay the one source of truth.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterator

from ...userfiles import (
    KNOWN_HOSTS_LIMIT,
    KNOWN_HOSTS_LINE_LIMIT,
    UserFileError,
    is_dev_null,
    iter_line_blocks,
)

_WILDCARDS = frozenset(b"*?")

#: Most bytes of matching lines kept (a file of nothing but ``*`` patterns must not fill memory).
KEPT_LIMIT = 16 << 20


def host_names(host: str, addr: str, port: int) -> tuple[bytes, ...]:
    """The names a known_hosts line may use for this server (as ssh writes them)."""
    names = [host, addr] if addr and addr != host else [host]
    if port != 22:
        names = [f"[{n}]:{port}" for n in names] + names
    return tuple(n.lower().encode() for n in names)


def _hashed_match(pattern: bytes, names: tuple[bytes, ...]) -> bool:
    """``|1|salt|hash``: HMAC-SHA1 of a name keyed with the salt (OpenSSH's HashKnownHosts)."""
    parts = pattern.split(b"|")
    if len(parts) != 4 or parts[1] != b"1":
        return False
    try:
        salt, digest = base64.b64decode(parts[2]), base64.b64decode(parts[3])
    except (binascii.Error, ValueError):
        return False
    return any(hmac.compare_digest(hmac.new(salt, n, hashlib.sha1).digest(), digest)
               for n in names)


def line_concerns(line: bytes, names: tuple[bytes, ...]) -> bool:
    """Whether a known_hosts line may apply to a server known by ``names`` (a superset test)."""
    fields = line.split()
    if not fields or fields[0].startswith(b"#"):
        return False
    if fields[0].startswith(b"@"):  # @cert-authority / @revoked: patterns come second
        fields = fields[1:]
        if not fields:
            return False
    for pattern in fields[0].split(b","):
        pattern = pattern.removeprefix(b"!")
        if pattern.startswith(b"|"):  # base64: case matters
            if _hashed_match(pattern, names):
                return True
        elif pattern.lower() in names or _WILDCARDS.intersection(pattern):
            return True
    return False


def _candidate_lines(block: bytes, triggers: tuple[bytes, ...], line_limit: int
                     ) -> Iterator[bytes]:
    """The lines of ``block`` containing a trigger, found with C-speed ``find`` (most lines of
    a large file name other hosts and are never split out one by one)."""
    low = block.lower()
    spans: set[tuple[int, int]] = set()
    for trigger in triggers:
        at = low.find(trigger)
        while at != -1:
            start = low.rfind(b"\n", 0, at) + 1
            end = low.find(b"\n", at)
            end = len(low) if end == -1 else end + 1
            spans.add((start, end))
            at = low.find(trigger, end)
    for start, end in sorted(spans):
        if end - start <= line_limit:
            yield block[start:end]


def relevant_known_hosts(path: str, host: str, addr: str, port: int,
                         *, field: str = "known_hosts") -> str:
    """The lines of ``path`` that may concern ``host``/``addr``:``port``, as one text for
    ``asyncssh.import_known_hosts``. Raises :class:`~sourcedoctor.userfiles.UserFileError` for a
    non-regular file or one larger than the cap."""
    if is_dev_null(path):
        return ""  # documented: /dev/null trusts nothing
    names = host_names(host, addr, port)
    # A line can only concern us if it names us, is hashed (|1|...) or holds a wildcard; key
    # material is base64 and never contains | * ?.
    triggers = (*names, b"|", b"*", b"?")
    kept: list[bytes] = []
    size = 0
    blocks = iter_line_blocks(path, field, limit=KNOWN_HOSTS_LIMIT,
                              line_limit=KNOWN_HOSTS_LINE_LIMIT, what="a known_hosts file",
                              fix="give the known_hosts file itself")
    for block in blocks:
        for line in _candidate_lines(block, triggers, KNOWN_HOSTS_LINE_LIMIT):
            if line_concerns(line, names):
                size += len(line)
                if size > KEPT_LIMIT:
                    raise UserFileError(field, f"{path} has more than 16 MiB of entries that "
                                        f"may apply to {host}; give a smaller known_hosts file")
                kept.append(line)
    return b"".join(line if line.endswith(b"\n") else line + b"\n" for line in kept).decode(
        "utf-8", errors="replace")
