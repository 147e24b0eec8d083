"""``fleet diff OLD NEW``: which connections broke, which recovered, which changed cause.

"Broke" means the new verdict is worse (pass/warn → fail/error/incomplete); "recovered" means it is
better; a failing connection whose root-cause code changed is listed apart (a firewall fix that
uncovered a key problem is progress, and still broken). Connections present in only one sweep are
listed as added or removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: How bad each verdict is; "incomplete" (interrupted) counts as not-better than a failure.
_RANK = {"pass": 0, "warn": 1, "fail": 2, "incomplete": 3, "error": 4}


@dataclass(frozen=True)
class Change:
    name: str
    old: str
    new: str
    old_cause: str | None
    new_cause: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "old": self.old, "new": self.new,
                "old_cause": self.old_cause, "new_cause": self.new_cause}


@dataclass(frozen=True)
class FleetDiff:
    broke: list[Change] = field(default_factory=list)
    recovered: list[Change] = field(default_factory=list)
    changed_cause: list[Change] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def worse(self) -> bool:
        return bool(self.broke)

    def to_dict(self) -> dict[str, Any]:
        return {"broke": [c.to_dict() for c in self.broke],
                "recovered": [c.to_dict() for c in self.recovered],
                "changed_cause": [c.to_dict() for c in self.changed_cause],
                "added": self.added, "removed": self.removed}


def _rank(verdict: str) -> int:
    return _RANK.get(verdict, _RANK["error"])


def diff_fleets(old: dict[str, Any], new: dict[str, Any]) -> FleetDiff:
    """Compare two fleet JSON documents (``sourcedoctor.fleet/1``) connection by connection."""
    before = {c["name"]: c for c in old.get("connections", [])}
    after = {c["name"]: c for c in new.get("connections", [])}
    result = FleetDiff(added=sorted(set(after) - set(before)), removed=sorted(set(before) - set(after)))
    for name in sorted(set(before) & set(after)):
        a, b = before[name], after[name]
        change = Change(name, a["verdict"], b["verdict"], a.get("root_cause"), b.get("root_cause"))
        if _rank(b["verdict"]) > _rank(a["verdict"]) and _rank(b["verdict"]) >= _RANK["fail"]:
            result.broke.append(change)
        elif _rank(b["verdict"]) < _rank(a["verdict"]):
            result.recovered.append(change)
        elif change.old_cause != change.new_cause and change.new_cause:
            result.changed_cause.append(change)
    return result


def diff_lines(d: FleetDiff) -> list[str]:
    lines: list[str] = []
    for title, items in (("broke", d.broke), ("recovered", d.recovered),
                         ("changed cause", d.changed_cause)):
        for c in items:
            lines.append(f"{title}: {c.name}: {c.old} ({c.old_cause or '-'}) → "
                         f"{c.new} ({c.new_cause or '-'})")
    lines += [f"added: {n}" for n in d.added] + [f"removed: {n}" for n in d.removed]
    return lines or ["no change"]
