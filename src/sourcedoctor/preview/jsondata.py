"""JSON in its three shapes: one object per line, a top-level array, objects spread over lines.

A sample is usually cut in the middle of a value; a parse error at the very end of a truncated
sample is the cut, not a defect, and is never reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .. import codes, safejson
from ..model import Finding
from ..targets import TargetProfile
from .model import Column, RowProblem
from .records import columns_from_records, jsonable

_WS = " \t\r\n"
#: Bad lines listed in evidence at most.
EVIDENCE_ROWS = 20


@dataclass
class JsonSample:
    """What the JSON reader learned (folded into a SampleResult by the caller)."""

    format: str = "json_lines"
    columns: tuple[Column, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    problems: list[RowProblem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    confidence: dict[str, float] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _as_record(value: Any) -> dict[str, Any]:
    return {k: jsonable(v) for k, v in value.items()} if isinstance(value, dict) else {
        "value": jsonable(value)}


def read_json(text: str, *, name: str, target: TargetProfile, rows: int,
              truncated: bool) -> JsonSample:
    """Classify and parse JSON ``text`` (the decoded sample, starting at '{' or '[')."""
    start = _skip_ws(text, 0)
    if text.startswith("[", start):
        out = _read_array(text, start, name, rows, truncated)
    else:
        out = _read_objects(text, name, rows, truncated)
    if out.format in ("json_array", "json_multiline") and target.json_lines_only:
        jq = "jq -c '.[]'" if out.format == "json_array" else "jq -c ."
        shape = "a top-level array" if out.format == "json_array" else \
            "objects spread over several lines"
        out.findings.append(codes.make_finding(
            "data.json_multiline", f"{name} is JSON with {shape}, not one object per line",
            evidence={"file": name, "shape": out.format},
            fix=[f"Convert it: {jq} {name} > {name}.jsonl"]))
    out.columns = columns_from_records(out.rows)
    return out


def _invalid(out: JsonSample, name: str, text: str, pos: int, msg: str, count: int = 1) -> None:
    line, col = _line_col(text, pos)
    out.findings.append(codes.make_finding(
        "data.json_invalid", f"{name}: JSON does not parse at line {line}, column {col} ({msg})",
        evidence={"file": name, "line": line, "column": col, "error": msg,
                  "near": text[max(0, pos - 30):pos + 30], "bad_count": count},
        fix=[f"Fix the producer; see the error with: jq . {name} > /dev/null"]))


def _read_objects(text: str, name: str, rows: int, truncated: bool) -> JsonSample:
    lines = text.split("\n")
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the sample
    records: list[dict[str, Any]] = []
    bad: list[tuple[int, int, str]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = safejson.loads(line)
        except json.JSONDecodeError as exc:
            bad.append((n, exc.colno, exc.msg))
            continue
        if len(records) < rows:
            records.append(_as_record(value))
    parsed = sum(1 for ln in lines if ln.strip()) - len(bad)
    if bad and (parsed == 0 or bad[0][0] == 1):
        # Not one value per line: read as a stream of values that span lines.
        return _read_stream(text, name, rows, truncated)
    out = JsonSample(format="json_lines", rows=tuple(records))
    for n, col, msg in bad:
        out.problems.append(RowProblem(n, f"column {col}: {msg}", lines[n - 1][:200]))
    if bad:
        n, col, msg = bad[0]
        pos = sum(len(ln) + 1 for ln in lines[: n - 1]) + col - 1
        _invalid(out, name, text, pos, msg, len(bad))
    out.facts["rows_in_sample"] = parsed
    out.confidence["format"] = round(parsed / max(parsed + len(bad), 1), 2)
    return out


def _read_stream(text: str, name: str, rows: int, truncated: bool) -> JsonSample:
    out = JsonSample(format="json_multiline")
    records: list[dict[str, Any]] = []
    pos = _skip_ws(text, 0)
    count = 0
    while pos < len(text):
        try:
            value, end = safejson.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            if not (truncated and _reaches_end(text, pos)):
                _invalid(out, name, text, exc.pos, exc.msg)
                out.problems.append(RowProblem(_line_col(text, exc.pos)[0], exc.msg))
            break
        count += 1
        if len(records) < rows:
            records.append(_as_record(value))
        pos = _skip_ws(text, end)
    out.rows = tuple(records)
    out.facts["rows_in_sample"] = count
    out.confidence["format"] = 0.95 if count else 0.3
    return out


def _reaches_end(text: str, pos: int) -> bool:
    """Did a value starting at ``pos`` run off the end of the sample (rather than break inside)?

    Cheap test: the decoder error is only benign if no complete value could start here, i.e. the
    braces opened from ``pos`` are never all closed before the end of the text."""
    depth = 0
    in_str = esc = False
    for ch in text[pos:]:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth <= 0:
                return False
    return True


def _read_array(text: str, start: int, name: str, rows: int, truncated: bool) -> JsonSample:
    out = JsonSample(format="json_array")
    records: list[dict[str, Any]] = []
    pos = _skip_ws(text, start + 1)
    count = 0
    while pos < len(text) and text[pos] != "]":
        try:
            value, end = safejson.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            if not (truncated and _reaches_end(text, pos)):
                _invalid(out, name, text, exc.pos, exc.msg)
            break
        count += 1
        if len(records) < rows:
            records.append(_as_record(value))
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        elif pos < len(text) and text[pos] != "]":
            _invalid(out, name, text, pos, "Expecting ',' delimiter")
            break
    out.rows = tuple(records)
    out.facts["rows_in_sample"] = count
    out.confidence["format"] = 0.95 if count or not truncated else 0.5
    return out
