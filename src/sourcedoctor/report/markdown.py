"""The Markdown report, for pasting into a ticket.

Order: verdict, root cause with its fix, the table of layers, details of every failing or warning
check with evidence, environment, the command that reproduces the run.
"""

from __future__ import annotations

import re
from typing import Any

from ..config.secrets import Redactor
from ..model import Report
from . import view
from .redaction import redacted_view


def _cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, no line breaks."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fenced(text: str, lang: str = "") -> list[str]:
    """A fenced block longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", text.rstrip("\n"), fence]


def _fix_lines(fix: list[str]) -> list[str]:
    return [f"{n}. {step}" for n, step in enumerate(fix, 1)]


def _root_cause(data: dict[str, Any]) -> list[str]:
    root = data.get("root_cause")
    if not root:
        verdict = data.get("verdict")
        note = "Nothing failed." if verdict != "warn" else "Nothing failed; see the warnings below."
        return ["## Root cause", "", note, ""]
    out = [
        "## Root cause",
        "",
        f"**{_code(root['code'])}** in check {_code(root['check'])}: {root['summary']}",
        "",
    ]
    if root.get("audience"):
        out += [f"*Who acts:* {root['audience']}", ""]
    if root.get("fix"):
        out += ["**Fix:**", "", *_fix_lines(root["fix"]), ""]
    return out


def _layers(data: dict[str, Any]) -> list[str]:
    out = [
        "## Layers",
        "",
        "| | Check | Status | Duration | Finding |",
        "|---|---|---|---:|---|",
    ]
    for check in data.get("checks", []):
        status = check.get("status", "")
        out.append(
            f"| {view.SYMBOL.get(status, '?')} | {_cell(check.get('title', ''))} "
            f"({_code(check.get('id', ''))}) | {status} | {view.check_duration(check)} "
            f"| {_cell(view.headline_finding(check))} |"
        )
    return [*out, ""]


def _evidence(evidence: dict[str, Any]) -> list[str]:
    if not evidence:
        return []
    out = ["*Evidence:*", ""]
    blocks: list[str] = []
    for key, value in evidence.items():
        if view.is_block(value):
            blocks += [f"{_code(str(key))}:", "", *_fenced(view.block(value)), ""]
        else:
            out.append(f"- {_code(str(key))}: {view.inline(value)}")
    if len(out) > 2:
        out.append("")
    return out + blocks


def _details(data: dict[str, Any]) -> list[str]:
    checks = view.attention(data)
    if not checks:
        return []
    out = ["## Details", ""]
    for check in checks:
        status = check.get("status", "")
        out += [f"### {view.SYMBOL.get(status, '?')} {check.get('title', '')} "
                f"({_code(check.get('id', ''))}): {status}", ""]
        for f in check.get("findings", []):
            out += [f"**{_code(f['code'])}** ({f['severity']}): {f['summary']}", ""]
            if f.get("detail"):
                out += [f["detail"], ""]
            out += _evidence(f.get("evidence") or {})
            if f.get("fix"):
                who = f" (who acts: {f['audience']})" if f.get("audience") else ""
                out += [f"*Fix*{who}:", "", *_fix_lines(f["fix"]), ""]
        if check.get("facts"):
            out += ["*Facts observed:*", "", *_fenced(view.block(check["facts"]), "json"), ""]
        if check.get("traceback"):
            out += ["*Traceback:*", "", *_fenced(check["traceback"], "text"), ""]
    return out


def _environment(data: dict[str, Any]) -> list[str]:
    env = view.environment(data)
    out = ["## Environment", "", "| Component | Version |", "|---|---|"]
    out += [f"| {_cell(name)} | {_cell(version)} |" for name, version in env.versions]
    out += ["", f"- OS: {env.os}", f"- DNS resolver: {env.resolver}"]
    transcript = (data.get("extras") or {}).get("transcript")
    if transcript:
        out.append(f"- Protocol transcript: {len(transcript)} lines (in the support bundle)")
    return [*out, ""]


def render_markdown(data: dict[str, Any]) -> str:
    """Markdown from an already redacted report dict."""
    verdict = str(data.get("verdict", "error"))
    out = [
        f"# sourcedoctor report: {verdict.upper()}",
        "",
        f"**{view.SYMBOL.get(verdict, '?')} {view.VERDICT_TEXT.get(verdict, verdict)}**",
        "",
        f"- Source: {view.target_line(data)}",
        f"- Started: {data.get('started_at', '')} · took {view.duration(data.get('duration_ms'))}",
        f"- Result: {view.closing_line(data)}",
    ]
    if data.get("interrupted"):
        out.append("- **Interrupted:** the run was stopped before every check finished.")
    out.append("")
    out += _root_cause(data) + _layers(data) + _details(data) + _environment(data)
    out += ["## Reproduce", "", *_fenced(data.get("command") or "(not recorded)", "sh"), ""]
    out += [f"<sub>{data.get('schema', '')}</sub>", ""]
    return "\n".join(out)


def to_markdown(report: Report, redactor: Redactor) -> str:
    """The report as Markdown for a ticket, passed through redaction."""
    return render_markdown(redacted_view(report, redactor))
