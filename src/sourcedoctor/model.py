"""The data every face of sourcedoctor shares: statuses, findings, check results, events, reports.

Everything here is a frozen dataclass (or an enum) so results can be passed between the engine, the
CLI, the TUI and the report writers without anyone mutating what another already rendered.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Status(enum.IntEnum):
    """Outcome of one check. Ordered so that ``max()`` over results is the verdict."""

    PASS = 0
    SKIP = 1
    WARN = 2
    FAIL = 3
    ERROR = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def symbol(self) -> str:
        """A glyph that carries the status without colour (✓ ! ✗ – and ‼ for an internal error)."""
        return {
            Status.PASS: "✓",
            Status.SKIP: "–",
            Status.WARN: "!",
            Status.FAIL: "✗",
            Status.ERROR: "‼",
        }[self]


class Severity(enum.IntEnum):
    """How much one finding matters. ``INFO`` findings are notes that do not change a check's status."""

    INFO = 0
    WARN = 1
    FAIL = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def status(self) -> Status:
        """The check status a finding of this severity implies."""
        return {
            Severity.INFO: Status.PASS,
            Severity.WARN: Status.WARN,
            Severity.FAIL: Status.FAIL,
            Severity.ERROR: Status.ERROR,
        }[self]


Evidence = Mapping[str, Any]


@dataclass(frozen=True)
class Finding:
    """One observation about the source, identified by a stable code from :mod:`sourcedoctor.codes`.

    ``evidence`` holds facts that were observed (already redacted) and must be JSON-serialisable;
    ``fix`` is an ordered list of steps addressed to ``audience`` (who has to act).
    """

    code: str
    severity: Severity
    summary: str
    detail: str = ""
    evidence: Evidence = field(default_factory=dict)
    fix: tuple[str, ...] = ()
    audience: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.label,
            "summary": self.summary,
            "detail": self.detail,
            "evidence": dict(self.evidence),
            "fix": list(self.fix),
            "audience": self.audience,
        }


@dataclass(frozen=True)
class CheckResult:
    """What one check concluded. ``facts`` are neutral observations shown even when all is well."""

    check_id: str
    title: str
    status: Status
    duration_ms: int = 0
    findings: tuple[Finding, ...] = ()
    facts: Evidence = field(default_factory=dict)
    blocked_by: str | None = None
    traceback: str | None = None

    @property
    def worst(self) -> Finding | None:
        """The most severe finding (first one on ties), or None."""
        if not self.findings:
            return None
        return max(self.findings, key=lambda f: f.severity)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.check_id,
            "title": self.title,
            "status": self.status.label,
            "duration_ms": self.duration_ms,
            "findings": [f.to_dict() for f in self.findings],
            "facts": dict(self.facts),
        }
        if self.blocked_by:
            out["blocked_by"] = self.blocked_by
        if self.traceback:
            out["traceback"] = self.traceback
        return out


class Verdict(enum.Enum):
    """The overall answer of a run.

    ``INCOMPLETE``: the user stopped the run (Ctrl+C, Esc) before every check finished, so it
    proves nothing either way; it never reads as a pass, even when every check that ran passed.
    A failure found before the interrupt still shows as the report's root cause.
    """

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    INCOMPLETE = "incomplete"

    @classmethod
    def from_results(cls, results: tuple[CheckResult, ...], *,
                     interrupted: bool = False) -> Verdict:
        if interrupted:
            return cls.INCOMPLETE
        worst = max((r.status for r in results), default=Status.PASS)
        if worst == Status.ERROR:
            return cls.ERROR
        if worst == Status.FAIL:
            return cls.FAIL
        if worst == Status.WARN:
            return cls.WARN
        return cls.PASS


@dataclass(frozen=True)
class RootCause:
    """The first failing finding in plan order: the thing to fix first."""

    code: str
    check: str
    summary: str
    fix: tuple[str, ...]
    audience: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "check": self.check,
            "summary": self.summary,
            "fix": list(self.fix),
            "audience": self.audience,
        }


def find_root_cause(results: tuple[CheckResult, ...]) -> RootCause | None:
    """Pick the first FAIL/ERROR finding in plan order (``results`` must be in plan order)."""
    for result in results:
        if result.status < Status.FAIL:
            continue
        for f in result.findings:
            if f.severity >= Severity.FAIL:
                return RootCause(f.code, result.check_id, f.summary, f.fix, f.audience)
    return None


# --- events streamed by the runner -------------------------------------------------------------


@dataclass(frozen=True)
class CheckStarted:
    """A check began running."""

    check_id: str
    title: str


@dataclass(frozen=True)
class CheckFinished:
    """A check produced its result (including SKIPPED results for blocked checks)."""

    result: CheckResult


@dataclass(frozen=True)
class RunFinished:
    """The run is over (complete, cancelled or past its deadline); ``report`` holds everything."""

    report: Report


RunEvent = CheckStarted | CheckFinished | RunFinished


@dataclass(frozen=True)
class Report:
    """A whole diagnosis: the contract behind the JSON report (see docs/report.md)."""

    schema: str
    tool: Mapping[str, Any]
    target: Mapping[str, Any]
    started_at: str
    duration_ms: int
    verdict: Verdict
    root_cause: RootCause | None
    checks: tuple[CheckResult, ...]
    command: str = ""
    interrupted: bool = False
    extras: Mapping[str, Any] = field(default_factory=dict)

    def result(self, check_id: str) -> CheckResult | None:
        for r in self.checks:
            if r.check_id == check_id:
                return r
        return None

    @property
    def codes(self) -> list[str]:
        """Every finding code in plan order (handy for scripts and tests)."""
        return [f.code for r in self.checks for f in r.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "tool": dict(self.tool),
            "target": dict(self.target),
            "command": self.command,
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "verdict": self.verdict.value,
            "interrupted": self.interrupted,
            "root_cause": self.root_cause.to_dict() if self.root_cause else None,
            "checks": [c.to_dict() for c in self.checks],
            "extras": dict(self.extras),
        }
