"""A fleet sweep as Markdown, one-file HTML or terminal lines, from :func:`summary.fleet_dict` data.

Connection names, URLs and summaries come from the user's file and the servers: every one passes
through the escaper of its medium (:mod:`sourcedoctor.report.escape`).
"""

from __future__ import annotations

from typing import Any

from ..report.escape import for_html, for_terminal, md_code, md_inline
from ..report.html_style import CSS
from .summary import headline

FORMATS = ("text", "json", "md", "html")


def plain_line(item: dict[str, Any], done: int, total: int) -> str:
    """One finished connection, for a log or a pipe."""
    width = len(str(total))
    cause = item.get("root_cause") or "-"
    return (f"[{done:>{width}}/{total}] {for_terminal(item['name'])}  {item['verdict']}  {cause}  "
            f"{item['duration_ms']} ms")


def text_summary(data: dict[str, Any]) -> list[str]:
    """The closing summary in plain lines (headline, groups by cause, connections not run)."""
    lines = [headline(data)]
    for group in data.get("causes", []):
        n = group["count"]
        names = ", ".join(for_terminal(x) for x in group["connections"][:8])
        more = f" (+{n - 8} more)" if n > 8 else ""
        likely = f" — {for_terminal(group['likely'])}" if group.get("likely") else ""
        lines.append(f"  {n} × {group['code']}{likely}")
        lines.append(f"      {names}{more}")
    if data.get("not_run"):
        lines.append(f"  not run (interrupted): {len(data['not_run'])}")
    return lines


def to_markdown(data: dict[str, Any]) -> str:
    lines = [f"# sourcedoctor fleet: {md_inline(headline(data))}", "",
             f"Started {md_inline(data.get('started_at', ''))}, took {data.get('duration_ms', 0)} ms; "
             f"at most {data['limits']['parallel']} at once, {data['limits']['per_host']} per server.", ""]
    if data.get("causes"):
        lines += ["## Root causes", ""]
        for group in data["causes"]:
            likely = f" — {md_inline(group['likely'])}" if group.get("likely") else ""
            lines.append(f"- **{group['count']}** × {md_code(group['code'])}{likely}: "
                         + ", ".join(md_inline(n) for n in group["connections"]))
        lines.append("")
    lines += ["## Connections", "", "| connection | verdict | root cause | source | time |",
              "|---|---|---|---|---|"]
    for item in data.get("connections", []):
        cause = md_code(item["root_cause"], table=True) if item.get("root_cause") else "—"
        lines.append(f"| {md_inline(item['name'])} | {md_inline(item['verdict'])} | {cause} | "
                     f"{md_code(item['url'], table=True)} | {item['duration_ms']} ms |")
    if data.get("not_run"):
        lines += ["", "Not run (interrupted): " + ", ".join(md_inline(n) for n in data["not_run"])]
    failing = [(item, root) for item in data.get("connections", []) if (root := _root(item))]
    if failing:
        lines += ["", "## What to change, per connection", ""]
        for item, root in failing:
            lines.append(f"### {md_inline(item['name'])}: {md_code(str(root.get('code', '')))}")
            lines += ["", md_inline(str(root.get("summary", ""))), ""]
            lines += [f"{i}. {md_inline(str(step))}" for i, step in enumerate(root.get("fix") or [], 1)]
            if item.get("report", {}).get("command"):
                lines += ["", "Run it again: " + md_code(str(item["report"]["command"]))]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _root(item: dict[str, Any]) -> dict[str, Any] | None:
    """The root cause of a connection's kept report (its code, summary and fix), if it has one."""
    root = (item.get("report") or {}).get("root_cause")
    return root if isinstance(root, dict) and item.get("root_cause") else None


def to_html(data: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr class="{for_html(item["verdict"])}"><td>{for_html(item["name"])}</td>'
        f"<td>{for_html(item['verdict'])}</td><td><code>{for_html(item.get('root_cause') or '—')}</code>"
        f"</td><td><code>{for_html(item['url'])}</code></td><td>{for_html(item.get('summary', ''))}</td>"
        f"<td>{item['duration_ms']} ms</td></tr>"
        for item in data.get("connections", [])
    )
    causes = "".join(
        f"<li><strong>{g['count']}</strong> × <code>{for_html(g['code'])}</code>"
        + (f" — {for_html(g['likely'])}" if g.get("likely") else "")
        + ": " + for_html(", ".join(g["connections"])) + "</li>"
        for g in data.get("causes", [])
    )
    details = "".join(
        f"<details><summary>{for_html(item['name'])}: <code>{for_html(root.get('code', ''))}</code> — "
        f"{for_html(root.get('summary', ''))}</summary><ol>"
        + "".join(f"<li>{for_html(step)}</li>" for step in root.get("fix") or [])
        + "</ol>"
        + (f"<p>Run it again: <code>{for_html(item['report']['command'])}</code></p>"
           if item.get("report", {}).get("command") else "")
        + "</details>"
        for item in data.get("connections", []) if (root := _root(item))
    )
    title = for_html(headline(data))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>sourcedoctor fleet: {title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>sourcedoctor fleet</h1><p>{title}</p>"
        + (f"<h2>Root causes</h2><ul>{causes}</ul>" if causes else "")
        + "<h2>Connections</h2><table><thead><tr><th>Connection</th><th>Verdict</th><th>Root cause</th>"
        f"<th>Source</th><th>Summary</th><th>Time</th></tr></thead><tbody>{rows}</tbody></table>"
        + (f"<h2>What to change, per connection</h2>{details}" if details else "")
        + (f"<p>Not run (interrupted): {for_html(', '.join(data['not_run']))}</p>"
           if data.get("not_run") else "")
        + f"<footer>{for_html(data.get('schema', ''))}</footer>\n</body>\n</html>\n"
    )
