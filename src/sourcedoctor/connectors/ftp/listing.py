"""Directory listings as FTP servers send them: MLSD facts (RFC 3659), else LIST lines.

MLSD is machine-readable (``type=file;size=12;modify=20240101120000; name``). LIST has no standard
format; we read the two that nearly every server uses — Unix ``ls -l`` and Windows/IIS (DOS) — and
count the lines we could not read instead of guessing.
"""

from __future__ import annotations

import calendar
import re
import time

from ...sources.base import FileEntry

_UNIX = re.compile(
    r"^([-dlbcps])[-rwxsStTl+.@]{9}\S*\s+\d+\s+\S+\s+(?:\S+\s+)?(\d+)\s+"
    r"(?:\w{3}\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4}))\s(.+)$")
_DOS = re.compile(r"^\d{2}-\d{2}-\d{2,4}\s+\d{1,2}:\d{2}\s*[AP]M\s+(<DIR>|\d+)\s+(.+)$", re.I)
_UNIX_KIND = {"-": "file", "d": "dir", "l": "symlink"}


def join(folder: str, name: str) -> str:
    """``name`` inside ``folder`` as a path the same session can use ("" is the login folder)."""
    if not folder:
        return name
    return folder.rstrip("/") + "/" + name if folder != "/" else "/" + name


def _mtime(value: str) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(value[:14], "%Y%m%d%H%M%S")))
    except ValueError:
        return None


def parse_mlsd(folder: str, line: str) -> FileEntry | None:
    """One MLSD line as an entry; None for ``.``/``..`` (cdir/pdir) and unreadable lines."""
    facts_text, sep, name = line.partition(" ")
    if not sep or not name or name in (".", ".."):
        return None
    facts: dict[str, str] = {}
    for fact in facts_text.split(";"):
        key, eq, value = fact.partition("=")
        if eq:
            facts[key.strip().lower()] = value.strip()
    kind_fact = facts.get("type", "").lower()
    if kind_fact in ("cdir", "pdir"):
        return None
    kind = ("file" if kind_fact == "file" else "dir" if kind_fact == "dir"
            else "symlink" if "slink" in kind_fact else "other")
    size = int(facts["size"]) if facts.get("size", "").isdigit() else None
    return FileEntry(path=join(folder, name), name=name, size=size,
                     mtime=_mtime(facts.get("modify", "")), kind=kind)


def parse_list(folder: str, line: str) -> FileEntry | None:
    """One LIST line (Unix or DOS style) as an entry; None when it is neither."""
    m = _UNIX.match(line)
    if m:
        kind = _UNIX_KIND.get(m.group(1), "other")
        name = m.group(3)
        if kind == "symlink":
            name = name.split(" -> ", 1)[0]
        if name in (".", ".."):
            return None
        return FileEntry(path=join(folder, name), name=name, size=int(m.group(2)), mtime=None,
                         kind=kind)
    m = _DOS.match(line)
    if m:
        is_dir = m.group(1).upper() == "<DIR>"
        name = m.group(2)
        return FileEntry(path=join(folder, name), name=name,
                         size=None if is_dir else int(m.group(1)), mtime=None,
                         kind="dir" if is_dir else "file")
    return None
