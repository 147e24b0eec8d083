"""What a fleet sweep found, grouped: counts by verdict, connections by root cause, and what the
connections failing for one cause have in common (the likely change behind them).

"14 connections: auth.key_rejected — all use key ~/.ssh/platform_ed25519 (changed 2026-11-02)"
is worth more to a support team than 14 separate reports; the shared fact is only said when every
connection of the group shares it, and it is said as a likelihood, not as the diagnosis.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .run import FLEET_SCHEMA, FleetItem, FleetResult

VERDICT_ORDER = ("error", "fail", "incomplete", "warn", "pass")


@dataclass(frozen=True)
class CauseGroup:
    """Connections whose root cause is the same code."""

    code: str
    names: tuple[str, ...]
    likely: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "count": len(self.names), "connections": list(self.names),
                "likely": self.likely}

    def line(self) -> str:
        n = len(self.names)
        text = f"{n} connection{'s' if n != 1 else ''}: {self.code}"
        return f"{text} — {self.likely}" if self.likely else text


def _common(items: list[FleetItem], key: str) -> str:
    """The value of hint ``key`` (or the server) if every item has the same non-empty one."""
    values = {str(it.server if key == "server" else it.hints.get(key) or "") for it in items}
    return values.pop() if len(values) == 1 else ""


def _shared(items: list[FleetItem]) -> str:
    """The one fact every item of a group shares, said as the probable change; empty if none."""
    if len(items) < 2:
        return ""
    if key := _common(items, "key"):
        changed = _common(items, "key_modified")
        return f"probably the key {key}" + (f" (changed {changed})" if changed else "") + ": all use it"
    if source := _common(items, "password_from"):
        return f"all read their password from {source}: probably a password change"
    if source := _common(items, "secrets_from"):
        return f"all read their {source}: probably a changed secret"
    if known_hosts := _common(items, "known_hosts"):
        return f"all verify host keys against {known_hosts}"
    if resolver := _common(items, "resolver"):
        return f"all resolve names through {resolver}"
    if server := _common(items, "server"):
        return f"all on the same server {server}"
    return ""


def group_causes(items: Iterable[FleetItem]) -> list[CauseGroup]:
    """Failing connections grouped by root-cause code, biggest group first."""
    by_code: dict[str, list[FleetItem]] = {}
    for item in items:
        if item.root_cause:
            by_code.setdefault(item.root_cause, []).append(item)
    groups = [CauseGroup(code, tuple(i.name for i in members), _shared(members))
              for code, members in by_code.items()]
    return sorted(groups, key=lambda g: (-len(g.names), g.code))


def verdict_counts(result: FleetResult) -> dict[str, int]:
    counts = Counter(item.verdict for item in result.items)
    out = {v: counts[v] for v in VERDICT_ORDER if counts.get(v)}
    out.update({v: c for v, c in counts.items() if v not in out})
    if result.not_run:
        out["not run"] = len(result.not_run)
    return out


def fleet_dict(result: FleetResult) -> dict[str, Any]:
    """The sweep as JSON-ready data (schema ``sourcedoctor.fleet/1``), each report included."""
    return {
        "schema": FLEET_SCHEMA,
        "started_at": result.started_at,
        "duration_ms": result.duration_ms,
        "interrupted": result.interrupted,
        "limits": {"parallel": result.parallel, "per_host": result.per_host,
                   "server_high_water": dict(result.server_high_water)},
        "counts": verdict_counts(result),
        "causes": [g.to_dict() for g in group_causes(result.items)],
        "not_run": list(result.not_run),
        "connections": [item.to_dict() for item in result.items],
    }


def headline(data: Mapping[str, Any]) -> str:
    """'200 connections: 180 pass, 14 fail, 6 error' (from :func:`fleet_dict` data)."""
    counts = data.get("counts", {})
    total = sum(counts.values())
    parts = ", ".join(f"{n} {v}" for v, n in counts.items())
    tail = " (interrupted)" if data.get("interrupted") else ""
    return f"{total} connection{'s' if total != 1 else ''}: {parts}{tail}"
