"""The HTML report: one self-contained file (inline CSS, no fonts, no network), printable.

Same content as the Markdown report; every check is a collapsible ``<details>`` (open when it needs
attention).

Every string from the report is HTML-escaped by :func:`.escape.for_html`, which also shows control
and invisible format characters (a bidi override in a file name cannot reorder what is displayed).
"""

from __future__ import annotations

from typing import Any

from ..config.secrets import Redactor
from ..model import Report
from . import view
from .escape import for_html
from .html_style import CSS, PRINT_SCRIPT
from .redaction import redacted_view


def _e(value: Any) -> str:
    """One line of foreign text (newlines shown as ``\\n``)."""
    return for_html(value)


def _b(value: Any) -> str:
    """Multi-line text for ``<pre>`` and prose: newlines and tabs kept."""
    return for_html(value, block=True)


def _sym(status: str) -> str:
    return f'<span class="sym s-{_e(status)}">{_e(view.SYMBOL.get(status, "?"))}</span>'


def _fix(steps: list[str]) -> str:
    if not steps:
        return ""
    return "<ol>" + "".join(f"<li>{_e(s)}</li>" for s in steps) + "</ol>"


def _root_cause(data: dict[str, Any]) -> str:
    root = data.get("root_cause")
    if not root:
        return f"<h2>Root cause</h2><p>{_e(view.no_root_cause_note(data))}</p>"
    who = f'<p class="who">Who acts: {_e(root["audience"])}</p>' if root.get("audience") else ""
    fix = f"<p><strong>Fix:</strong></p>{_fix(root.get('fix') or [])}" if root.get("fix") else ""
    return (
        '<h2>Root cause</h2><section class="root" id="root-cause">'
        f'<p><strong><code>{_e(root["code"])}</code></strong> in check <code>{_e(root["check"])}'
        f'</code>: {_e(root["summary"])}</p>{who}{fix}</section>'
    )


def _layers(data: dict[str, Any]) -> str:
    rows = []
    for check in data.get("checks", []):
        status = check.get("status", "")
        rows.append(
            f"<tr><td>{_sym(status)}</td><td>{_e(check.get('title', ''))} "
            f"<code>{_e(check.get('id', ''))}</code></td><td>{_e(status)}</td>"
            f'<td class="num">{_e(view.check_duration(check))}</td>'
            f"<td>{_e(view.headline_finding(check))}</td></tr>"
        )
    return (
        "<h2>Layers</h2><table><thead><tr><th></th><th>Check</th><th>Status</th><th>Duration</th>"
        "<th>Finding</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _evidence(evidence: dict[str, Any]) -> str:
    if not evidence:
        return ""
    items = []
    for key, value in evidence.items():
        block = view.is_block(value)
        shown = f"<pre>{_b(view.block(value))}</pre>" if block else _e(view.inline(value))
        items.append(f"<dt>{_e(key)}</dt><dd>{shown}</dd>")
    return '<p><em>Evidence:</em></p><dl class="evidence">' + "".join(items) + "</dl>"


def _finding(f: dict[str, Any]) -> str:
    parts = [
        f'<div class="finding"><p><strong><code>{_e(f["code"])}</code></strong> '
        f'({_e(f["severity"])}): {_e(f["summary"])}</p>'
    ]
    if f.get("detail"):
        parts.append(f"<p>{_b(f['detail'])}</p>")
    parts.append(_evidence(f.get("evidence") or {}))
    if f.get("fix"):
        # A dash, not parentheses: audiences carry their own ("you (the person …)").
        who = f" — who acts: {_e(f['audience'])}" if f.get("audience") else ""
        parts.append(f"<p><em>Fix</em>{who}:</p>{_fix(f['fix'])}")
    parts.append("</div>")
    return "".join(parts)


def _check(check: dict[str, Any], attention: bool) -> str:
    status = check.get("status", "")
    body = "".join(_finding(f) for f in check.get("findings", []))
    if check.get("blocked_by"):
        body += f"<p>Not run: blocked by <code>{_e(check['blocked_by'])}</code>.</p>"
    if check.get("facts"):
        body += f"<p><em>Facts observed:</em></p><pre>{_b(view.block(check['facts']))}</pre>"
    if check.get("traceback"):
        body += f"<p><em>Traceback:</em></p><pre>{_b(check['traceback'])}</pre>"
    if not body:
        body = "<p>Nothing to report.</p>"
    return (
        f'<details id="check-{_e(check.get("id", ""))}"{" open" if attention else ""}>'
        f"<summary>{_sym(status)} {_e(check.get('title', ''))} "
        f"<code>{_e(check.get('id', ''))}</code>"
        f' {_e(status)}<span class="dur">{_e(view.check_duration(check))}</span></summary>'
        f"{body}</details>"
    )


def _details(data: dict[str, Any]) -> str:
    needing = {c.get("id") for c in view.attention(data)}
    return "<h2>Details</h2>" + "".join(
        _check(c, c.get("id") in needing) for c in data.get("checks", [])
    )


def _matrix(data: dict[str, Any]) -> str:
    rows = view.compat_matrix(data)
    if not rows:
        return ""
    body = "".join(
        f'<tr><td title="{_e(r.source)}">{_e(r.client)}</td><td>{_e(r.kex)}</td><td>{_e(r.host_key)}</td>'
        f"<td>{_e(r.cipher)}</td><td>{_e(r.mac)}</td><td>{_e(r.verdict)}</td></tr>" for r in rows)
    sources = "".join(f"<li>{_e(r.client)}: {_e(r.source)}</li>" for r in rows)
    return ("<h2>Client compatibility</h2><p>What each SSH client stack negotiates with this server "
            "(the platform's row decides).</p><table><thead><tr><th>Client</th><th>Key exchange</th>"
            "<th>Host key</th><th>Cipher</th><th>MAC</th><th>Result</th></tr></thead>"
            f"<tbody>{body}</tbody></table><ul class=\"meta\">{sources}</ul>")


def _environment(data: dict[str, Any]) -> str:
    env = view.environment(data)
    rows = "".join(f"<tr><td>{_e(n)}</td><td>{_e(v)}</td></tr>" for n, v in env.versions)
    extra = f"<li>OS: {_e(env.os)}</li><li>DNS resolver: {_e(env.resolver)}</li>"
    transcript = (data.get("extras") or {}).get("transcript")
    if transcript:
        extra += f"<li>Protocol transcript: {len(transcript)} lines (in the support bundle)</li>"
    return (
        "<h2>Environment</h2><table><thead><tr><th>Component</th><th>Version</th></tr></thead>"
        f"<tbody>{rows}</tbody></table><ul>{extra}</ul>"
    )


def render_html(data: dict[str, Any]) -> str:
    """HTML from an already redacted report dict."""
    verdict = str(data.get("verdict", "error"))
    interrupted = (
        "<li><strong>Interrupted:</strong> the run was stopped before every check finished.</li>"
        if data.get("interrupted") else ""
    )
    body = (
        f"<h1>sourcedoctor report: {_e(verdict.upper())}</h1>"
        f'<div class="verdict {_e(verdict)}">{_e(view.SYMBOL.get(verdict, "?"))} '
        f"{_e(view.verdict_text(data))}</div>"
        f'<ul class="meta"><li>Source: {_e(view.target_line(data))}</li>'
        f"<li>Started: {_e(data.get('started_at', ''))} · took "
        f"{_e(view.duration(data.get('duration_ms')))}</li>"
        f"<li>Result: {_e(view.closing_line(data))}</li>{interrupted}</ul>"
        + _root_cause(data) + _layers(data) + _matrix(data) + _details(data) + _environment(data)
        + f"<h2>Reproduce</h2><pre id=\"reproduce\">{_b(data.get('command') or '(not recorded)')}"
        f"</pre><footer>{_e(data.get('schema', ''))}</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>sourcedoctor report: {_e(verdict)} · {_e(view.target_line(data))}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n{body}\n<script>{PRINT_SCRIPT}</script>\n"
        "</body>\n</html>\n"
    )


def to_html(report: Report, redactor: Redactor) -> str:
    """The report as one self-contained HTML file, passed through redaction."""
    return render_html(redacted_view(report, redactor))
