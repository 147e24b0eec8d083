"""The Markdown report, for pasting into a ticket.

Order: verdict, root cause with its fix, the table of layers, details of every failing or warning
check with evidence, environment, the command that reproduces the run.

Every string taken from the report passes through :mod:`.escape` (``md_inline``/``md_code``/
``md_fenced``): file names, banners and error texts from a server stay literal text, never a heading,
link, HTML or table cell of their own.
"""

from __future__ import annotations

from typing import Any

from ..config.secrets import Redactor
from ..model import Report
from . import view
from .escape import md_code as _code
from .escape import md_fenced as _fenced
from .escape import md_inline as _md
from .redaction import redacted_view


def _cell(text: Any) -> str:
    """Text safe inside a table cell: one line, Markdown and pipes escaped."""
    return _md(str(text).strip())


def _fix_lines(fix: list[str]) -> list[str]:
    return [f"{n}. {_md(step)}" for n, step in enumerate(fix, 1)]


def _paragraph(text: Any) -> list[str]:
    """Multi-line prose (a finding's detail) as escaped lines of one paragraph."""
    return [_md(line) for line in str(text).splitlines()]


def _root_cause(data: dict[str, Any]) -> list[str]:
    root = data.get("root_cause")
    if not root:
        return ["## Root cause", "", _md(view.no_root_cause_note(data)), ""]
    out = [
        "## Root cause",
        "",
        f"**{_code(root['code'])}** in check {_code(root['check'])}: {_md(root['summary'])}",
        "",
    ]
    if root.get("audience"):
        out += [f"*Who acts:* {_md(root['audience'])}", ""]
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
            f"| {_cell(view.SYMBOL.get(status, '?'))} | {_cell(check.get('title', ''))} "
            f"({_code(check.get('id', ''), table=True)}) | {_cell(status)} "
            f"| {_cell(view.check_duration(check))} "
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
            blocks += [f"{_code(key)}:", "", *_fenced(view.block(value)), ""]
        else:
            out.append(f"- {_code(key)}: {_md(view.inline(value))}")
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
        out += [f"### {_md(view.SYMBOL.get(status, '?'))} {_md(check.get('title', ''))} "
                f"({_code(check.get('id', ''))}): {_md(status)}", ""]
        for f in check.get("findings", []):
            out += [f"**{_code(f['code'])}** ({_md(f['severity'])}): {_md(f['summary'])}", ""]
            if f.get("detail"):
                out += [*_paragraph(f["detail"]), ""]
            out += _evidence(f.get("evidence") or {})
            if f.get("fix"):
                # A dash, not parentheses: audiences carry their own ("you (the person …)").
                who = f" — who acts: {_md(f['audience'])}" if f.get("audience") else ""
                out += [f"*Fix*{who}:", "", *_fix_lines(f["fix"]), ""]
        if check.get("facts"):
            out += ["*Facts observed:*", "", *_fenced(view.block(check["facts"]), "json"), ""]
        if check.get("traceback"):
            out += ["*Traceback:*", "", *_fenced(check["traceback"], "text"), ""]
    return out


def _matrix(data: dict[str, Any]) -> list[str]:
    rows = view.compat_matrix(data)
    if not rows:
        return []
    out = ["## Client compatibility", "",
           "What each SSH client stack negotiates with this server (the platform's row decides).", "",
           "| client | key exchange | host key | cipher | MAC | result |", "|---|---|---|---|---|---|"]
    out += [f"| {_cell(r.client)} | {_cell(r.kex)} | {_cell(r.host_key)} | {_cell(r.cipher)} | "
            f"{_cell(r.mac)} | {_cell(r.verdict)} |" for r in rows]
    out += ["", *(f"- {_md(r.client)}: {_md(r.source)}" for r in rows), ""]
    return out


def _environment(data: dict[str, Any]) -> list[str]:
    env = view.environment(data)
    out = ["## Environment", "", "| Component | Version |", "|---|---|"]
    out += [f"| {_cell(name)} | {_cell(version)} |" for name, version in env.versions]
    out += ["", f"- OS: {_md(env.os)}", f"- DNS resolver: {_md(env.resolver)}"]
    transcript = (data.get("extras") or {}).get("transcript")
    if transcript:
        out.append(f"- Protocol transcript: {len(transcript)} lines (in the support bundle)")
    return [*out, ""]


def render_markdown(data: dict[str, Any]) -> str:
    """Markdown from an already redacted report dict."""
    verdict = str(data.get("verdict", "error"))
    out = [
        f"# sourcedoctor report: {_md(verdict.upper())}",
        "",
        f"**{_md(view.SYMBOL.get(verdict, '?'))} {_md(view.verdict_text(data))}**",
        "",
        f"- Source: {_md(view.target_line(data))}",
        f"- Started: {_md(data.get('started_at', ''))} · took "
        f"{_md(view.duration(data.get('duration_ms')))}",
        f"- Result: {_md(view.closing_line(data))}",
    ]
    if data.get("interrupted"):
        out.append("- **Interrupted:** the run was stopped before every check finished.")
    out.append("")
    out += _root_cause(data) + _layers(data) + _matrix(data) + _details(data) + _environment(data)
    out += ["## Reproduce", "", *_fenced(data.get("command") or "(not recorded)", "sh"), ""]
    out += [f"<sub>{_md(data.get('schema', ''))}</sub>", ""]
    return "\n".join(out)


def to_markdown(report: Report, redactor: Redactor) -> str:
    """The report as Markdown for a ticket, passed through redaction."""
    return render_markdown(redacted_view(report, redactor))
