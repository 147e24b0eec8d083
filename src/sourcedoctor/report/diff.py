"""Comparing two reports of the same source: what was fixed, what is new, what still fails, and what
changed in the evidence (a new host key, another resolved address, a different server version).

``worse`` is what ``report diff`` turns into exit code 1: the verdict got worse, a check that ran
before now ends in a worse status, a layer that ran before has a new warning or failure, or the
NEW run was interrupted (verdict ``incomplete``): a run that stopped early confirms nothing, so it
is never an improvement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..model import CheckResult, Report, Severity, Status
from .escape import for_terminal

_VERDICT_RANK = {"pass": 0, "warn": 1, "fail": 2, "error": 3}
_INCOMPLETE = "incomplete"
_MAX_VALUE = 200  # characters of an old/new value kept in a change entry


@dataclass(frozen=True)
class DiffFinding:
    """A finding present on one side (or both): where, which code, how bad, what it said."""

    check: str
    code: str
    severity: str
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "code": self.code, "severity": self.severity,
                "summary": self.summary}


@dataclass(frozen=True)
class EvidenceChange:
    """One evidence or fact value that differs between the runs (``None`` = absent on that side)."""

    check: str
    code: str | None  # None for a check's facts
    field: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "code": self.code, "field": self.field,
                "old": self.old, "new": self.new}


@dataclass(frozen=True)
class StatusChange:
    check: str
    old: str
    new: str

    @property
    def worse(self) -> bool:
        return Status[self.new.upper()] > Status[self.old.upper()]

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class ReportDiff:
    """The differences between an OLD and a NEW report."""

    old_verdict: str
    new_verdict: str
    fixed: list[DiffFinding] = field(default_factory=list)
    new: list[DiffFinding] = field(default_factory=list)
    still: list[DiffFinding] = field(default_factory=list)
    #: Problems of OLD whose check did not run in NEW (blocked or absent): neither fixed nor still.
    unverified: list[DiffFinding] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    evidence_changes: list[EvidenceChange] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)

    @property
    def worse(self) -> bool:
        """Did anything get worse (verdict, a check's status, a new problem in a layer that ran)?"""
        return bool(self.regressions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": {"old": self.old_verdict, "new": self.new_verdict},
            "worse": self.worse,
            "regressions": list(self.regressions),
            "fixed": [f.to_dict() for f in self.fixed],
            "new": [f.to_dict() for f in self.new],
            "still_failing": [f.to_dict() for f in self.still],
            "not_rechecked": [f.to_dict() for f in self.unverified],
            "status_changes": [c.to_dict() for c in self.status_changes],
            "evidence_changes": [c.to_dict() for c in self.evidence_changes],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"

    def to_text(self) -> str:
        """Plain text for a terminal or a ticket comment."""
        lines = [f"verdict: {self.old_verdict} -> {self.new_verdict}"
                 + ("  (worse)" if self.worse else "")]
        sections: list[tuple[str, str, list[DiffFinding]]] = [
            ("Fixed", "✓", self.fixed), ("New", "✗", self.new), ("Still failing", "!", self.still),
            ("Not re-checked (blocked in the new run)", "–", self.unverified),
        ]
        for title, sym, items in sections:
            if items:
                lines += ["", f"{title} ({len(items)}):"]
                lines += [f"  {sym} {f.code} [{f.check}, {f.severity}] {f.summary}" for f in items]
        if self.status_changes:
            lines += ["", f"Status changes ({len(self.status_changes)}):"]
            lines += [f"  {c.check}: {c.old} -> {c.new}" for c in self.status_changes]
        if self.evidence_changes:
            lines += ["", f"Evidence changes ({len(self.evidence_changes)}):"]
            for c in self.evidence_changes:
                where = f"{c.check} {c.code}" if c.code else f"{c.check} (facts)"
                lines.append(f"  {where} {c.field}: {_show(c.old)} -> {_show(c.new)}")
        if self.regressions:
            lines += ["", "Got worse:"] + [f"  {r}" for r in self.regressions]
        if len(lines) == 1:
            lines += ["", "No differences in findings, statuses or evidence."]
        # Summaries and evidence come from servers: no escape sequence reaches the terminal.
        return "\n".join(for_terminal(line) for line in lines) + "\n"


def _show(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _clip(value: Any) -> Any:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(text) <= _MAX_VALUE else text[:_MAX_VALUE] + "…"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as ``a.b`` paths; lists stay whole values (their order is meaningful)."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def _changes(check: str, code: str | None, old: Any, new: Any) -> list[EvidenceChange]:
    a, b = _flatten(dict(old)), _flatten(dict(new))
    return [
        EvidenceChange(check, code, key, _clip(a.get(key)), _clip(b.get(key)))
        for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)
    ]


def _problems(check: CheckResult) -> dict[str, DiffFinding]:
    """Non-info findings of one check by code (the first one of a code stands for the others)."""
    out: dict[str, DiffFinding] = {}
    for f in check.findings:
        if f.severity >= Severity.WARN and f.code not in out:
            out[f.code] = DiffFinding(check.check_id, f.code, f.severity.label, f.summary)
    return out


def diff_reports(old: Report, new: Report) -> ReportDiff:
    """Compare OLD and NEW (checks matched by id, findings by check and code)."""
    result = ReportDiff(old.verdict.value, new.verdict.value)
    if new.verdict.value == _INCOMPLETE:
        result.regressions.append(
            f"verdict {old.verdict.value} -> incomplete: the new run was interrupted, so it "
            "cannot show that anything is fixed; run it again to the end")
    elif old.verdict.value != _INCOMPLETE and (
            _VERDICT_RANK[new.verdict.value] > _VERDICT_RANK[old.verdict.value]):
        result.regressions.append(f"verdict {old.verdict.value} -> {new.verdict.value}")
    old_checks = {c.check_id: c for c in old.checks}
    new_ids = {c.check_id for c in new.checks}
    for n in new.checks:
        o = old_checks.get(n.check_id)
        before = _problems(o) if o else {}
        after = _problems(n)
        for code, f in before.items():
            if code in after:
                result.still.append(after[code])
            elif n.status == Status.SKIP:
                result.unverified.append(f)
            else:
                result.fixed.append(f)
        ran_before = o is not None and o.status != Status.SKIP
        for code, f in after.items():
            if code in before:
                continue
            result.new.append(f)
            if ran_before:
                result.regressions.append(f"new {f.severity} {code} in {n.check_id}")
        if o is None:
            continue
        if o.status != n.status:
            change = StatusChange(n.check_id, o.status.label, n.status.label)
            result.status_changes.append(change)
            if ran_before and n.status != Status.SKIP and change.worse:
                result.regressions.append(f"{n.check_id} {o.status.label} -> {n.status.label}")
        for code in sorted(set(before) & set(after)):
            ev_old = next(f.evidence for f in o.findings if f.code == code)
            ev_new = next(f.evidence for f in n.findings if f.code == code)
            result.evidence_changes.extend(_changes(n.check_id, code, ev_old, ev_new))
        if o.status != Status.SKIP and n.status != Status.SKIP:
            result.evidence_changes.extend(_changes(n.check_id, None, o.facts, n.facts))
    for cid, o in old_checks.items():
        if cid not in new_ids:
            result.unverified.extend(_problems(o).values())
    return result
