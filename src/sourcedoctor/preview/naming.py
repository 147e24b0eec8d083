"""File and folder naming rules of a target (aep: see shared target-aep.md, "Files")."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .. import codes
from ..model import Finding, Severity
from ..sources.base import FileEntry
from ..targets import TargetProfile

MAX_COMPONENT = 255
#: Offending names listed in evidence at most (the count says how many there were).
EVIDENCE_NAMES = 20
_FORBIDDEN = set('"\\:|<>*?')
#: Reserved URL characters: allowed only when escaped, so a name containing them needs care.
_URL_RESERVED = set("!'();@&=+$,%#[]")
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9]|CLOCK\$)$", re.IGNORECASE)


def name_problems(component: str) -> list[str]:
    """Why one path component breaks the hard rules (empty list: it does not)."""
    why: list[str] = []
    if len(component) > MAX_COMPONENT:
        why.append(f"longer than {MAX_COMPONENT} characters ({len(component)})")
    bad = sorted({ch for ch in component if ch in _FORBIDDEN})
    if bad:
        why.append("forbidden characters " + " ".join(bad))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in component):
        why.append("control characters")
    if any(0xD800 <= ord(ch) <= 0xDFFF or unicodedata.category(ch) == "Cn" for ch in component):
        why.append("invalid code points")
    if component in (".", "..") or _RESERVED.match(component.split(".", 1)[0] or component):
        why.append("reserved name")
    return why


def _printable(name: str) -> str:
    return name.encode("unicode_escape", "backslashreplace").decode("ascii") \
        if not name.isprintable() else name


def naming_findings(entries: Sequence[FileEntry], target: TargetProfile) -> list[Finding]:
    """``path.naming_violation`` findings for names the target refuses (FAIL) and names with
    reserved URL characters that must be escaped (WARN). Empty when the target has no rules."""
    if not target.naming_rules:
        return []
    hard: list[dict[str, object]] = []
    hard_count = 0
    soft: list[str] = []
    soft_count = 0
    for entry in entries:
        why = name_problems(entry.name)
        if why:
            hard_count += 1
            if len(hard) < EVIDENCE_NAMES:
                hard.append({"path": _printable(entry.path), "problems": why})
        elif any(ch in _URL_RESERVED for ch in entry.name):
            soft_count += 1
            if len(soft) < EVIDENCE_NAMES:
                soft.append(_printable(entry.path))
    out: list[Finding] = []
    if hard_count:
        out.append(codes.make_finding(
            "path.naming_violation",
            f"{hard_count} name(s) break the {target.name} naming rules "
            f"(first: {hard[0]['path']}: {'; '.join(hard[0]['problems'])})",  # type: ignore[arg-type]
            evidence={"names": hard, "count": hard_count}))
    if soft_count:
        out.append(codes.make_finding(
            "path.naming_violation",
            f"{soft_count} name(s) contain reserved URL characters that must be escaped",
            severity=Severity.WARN,
            evidence={"names": soft, "count": soft_count,
                      "characters": "".join(sorted(_URL_RESERVED))},
            fix=["Rename the files to letters, digits, '-', '_' and '.', or make sure every "
                 "reserved character is percent-encoded where the path is entered "
                 "(e.g. '#' as %23)."]))
    return out
