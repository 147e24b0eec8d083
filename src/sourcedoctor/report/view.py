"""Presentation helpers shared by the Markdown, HTML and terminal writers (one wording everywhere).

They work on the redacted report dict (:func:`sourcedoctor.report.redaction.redacted_view`), never
on the raw model, so nothing rendered can bypass redaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SYMBOL = {"pass": "✓", "skip": "–", "warn": "!", "fail": "✗", "error": "‼", "incomplete": "…"}
VERDICT_TEXT = {
    "pass": "PASS: every layer works",
    "warn": "PASS WITH WARNINGS: the source works, with things to look at",
    "fail": "FAIL: the source cannot be read as configured",
    "error": "ERROR: sourcedoctor itself crashed during the check",
    "incomplete": "INCOMPLETE: the run was interrupted before every check finished; "
                  "it proves nothing, run it again",
}
#: Verdicts that must not be rendered as good news (colour, "nothing failed").
NOT_GOOD = frozenset({"fail", "error", "incomplete"})
#: Tool-info keys that are not library versions.
_NOT_LIBRARIES = ("platform",)


def not_run(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Checks that were not run because they need a live service this version does not contact
    (skipped by themselves, with a ``check_by_hand`` command in their facts): a run whose other
    layers passed has then checked the settings only, never the service."""
    return [c for c in data.get("checks", []) if c.get("status") == "skip"
            and not c.get("blocked_by") and (c.get("facts") or {}).get("check_by_hand")]


def verdict_text(data: dict[str, Any]) -> str:
    """The verdict's words; a pass that never contacted the service says so instead of "every
    layer works"."""
    verdict = str(data.get("verdict", "error"))
    untested = not_run(data)
    if untested and verdict in ("pass", "warn"):
        return (("SETTINGS VALID" if verdict == "pass" else "SETTINGS VALID WITH WARNINGS")
                + ": the live service was not checked (not testable offline); check it by hand: "
                + str(untested[0]["facts"]["check_by_hand"]))
    return VERDICT_TEXT.get(verdict, verdict)


def duration(ms: int | None) -> str:
    """``850 ms`` / ``1.2 s`` / ``2 min 5 s``."""
    if ms is None:
        return ""
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms // 60_000} min {ms % 60_000 // 1000} s"


def check_duration(check: dict[str, Any]) -> str:
    """A check's duration; empty for a check that never ran."""
    if check.get("status") == "skip" and not check.get("duration_ms"):
        return ""
    return duration(check.get("duration_ms"))


def is_block(value: Any) -> bool:
    """Should this evidence value be shown as a preformatted block rather than inline?"""
    if isinstance(value, str):
        return "\n" in value or len(value) > 100
    if isinstance(value, dict):
        return bool(value)
    if isinstance(value, list):
        return any(isinstance(v, dict | list) for v in value) or len(inline(value)) > 100
    return False


def inline(value: Any) -> str:
    """A short value as one line of text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(inline(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def block(value: Any) -> str:
    """A long value as preformatted text (multi-line strings as they are, structures as JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return "\n".join(inline(v) for v in value)
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Environment:
    """What ran the check: versions, OS, resolver."""

    versions: list[tuple[str, str]]
    os: str
    resolver: str


def environment(data: dict[str, Any]) -> Environment:
    tool = data.get("tool") or {}
    versions = [(str(k), inline(v)) for k, v in tool.items() if k not in _NOT_LIBRARIES]
    target = data.get("target") or {}
    resolver = target.get("resolver") or "system resolver"
    return Environment(versions, str(tool.get("platform") or "unknown"), str(resolver))


def target_line(data: dict[str, Any]) -> str:
    """``sftp://user@host:22/folder · target aep``."""
    target = data.get("target") or {}
    where = target.get("url") or target.get("host") or "(no target)"
    profile = target.get("profile")
    return f"{where} · target {profile}" if profile else str(where)


def attention(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Checks worth details: failed, warned, crashed, or with non-info findings."""
    out = []
    for check in data.get("checks", []):
        worrying = [f for f in check.get("findings", []) if f.get("severity") != "info"]
        if check.get("status") in ("warn", "fail", "error") or worrying or check.get("traceback"):
            out.append(check)
    return out


def headline_finding(check: dict[str, Any]) -> str:
    """The summary of a check's most severe finding (or why it was skipped)."""
    if check.get("status") == "skip" and check.get("blocked_by"):
        return f"blocked by {check['blocked_by']}"
    order = {"info": 0, "warn": 1, "fail": 2, "error": 3}
    findings = check.get("findings") or []
    if not findings:
        return ""
    worst = max(findings, key=lambda f: order.get(f.get("severity", "info"), 0))
    return f"{worst['code']}: {worst['summary']}"


def counts(data: dict[str, Any]) -> dict[str, int]:
    """How many checks ended in each status."""
    out = dict.fromkeys(SYMBOL, 0)
    for check in data.get("checks", []):
        out[check.get("status", "pass")] = out.get(check.get("status", "pass"), 0) + 1
    return out


def no_root_cause_note(data: dict[str, Any]) -> str:
    """What the root-cause section says when there is none (never "nothing failed" for a run
    that was stopped before it could know)."""
    verdict = data.get("verdict")
    if verdict == "incomplete" or data.get("interrupted"):
        return "Nothing failed before the run was interrupted; the checks that did not run prove nothing."
    if verdict == "warn":
        return "Nothing failed; see the warnings below."
    return "Nothing failed."


def closing_line(data: dict[str, Any]) -> str:
    """flutter-doctor style summary: ``2 checks failed, 1 warning, 8 passed``."""
    c = counts(data)
    failed = c["fail"] + c["error"]
    parts = []
    if failed:
        parts.append(f"{failed} check{'s' if failed != 1 else ''} failed")
    if c["warn"]:
        parts.append(f"{c['warn']} warning{'s' if c['warn'] != 1 else ''}")
    parts.append(f"{c['pass']} passed")
    untested = len(not_run(data))
    if c["skip"] - untested:
        parts.append(f"{c['skip'] - untested} skipped")
    interrupted = data.get("verdict") == "incomplete" or bool(data.get("interrupted"))
    if not failed and not c["warn"] and not interrupted:
        parts[0] = f"all {c['pass']} checks passed" if c["pass"] else "no checks ran"
    if untested:
        parts.append(f"{untested} not run offline (live service)")
    if interrupted:
        parts.append("interrupted")
    return ", ".join(parts)


@dataclass(frozen=True)
class MatrixRow:
    """One SSH client stack in the compatibility matrix, as every writer shows it."""

    client: str
    kex: str
    host_key: str
    cipher: str
    mac: str
    verdict: str
    source: str


#: What the matrix shows for a category with nothing in common.
NONE_IN_COMMON = "✗ none in common"


def compat_matrix(data: dict[str, Any]) -> list[MatrixRow]:
    """The client-compatibility matrix from the ``ssh.compat`` check's facts (empty if absent)."""
    check = next((c for c in data.get("checks", []) if c.get("id") == "ssh.compat"), None)
    rows = (check or {}).get("facts", {}).get("matrix") or []
    out = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        agreed = row.get("agreed") or {}

        def cell(category: str, agreed: dict[str, Any] = agreed) -> str:
            if category not in agreed:
                return "?"
            return str(agreed[category]) if agreed[category] is not None else NONE_IN_COMMON

        if row.get("ok"):
            verdict = "✓ connects"
        elif row.get("missing"):
            verdict = "✗ no " + ", ".join(str(m) for m in row["missing"])
        else:
            verdict = f"✗ {row.get('error') or 'fails'}"
        method = "negotiated" if row.get("method") == "negotiated" else "from its lists"
        out.append(MatrixRow(str(row.get("label") or row.get("stack")), cell("kex"), cell("host_key"),
                             cell("cipher"), cell("mac"), verdict, f"{method}: {row.get('source', '')}"))
    return out
