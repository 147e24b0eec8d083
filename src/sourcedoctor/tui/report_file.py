"""Reading a saved JSON report back into the model (``sourcedoctor.report/1``) for display."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model import CheckResult, Finding, Report, RootCause, Severity, Status, Verdict

MAX_REPORT_BYTES = 32 << 20


class ReportFileError(ValueError):
    """The file is not a readable sourcedoctor report; the message says why in one line."""


def _finding(data: dict[str, Any]) -> Finding:
    return Finding(
        code=str(data["code"]),
        severity=Severity[str(data.get("severity", "fail")).upper()],
        summary=str(data.get("summary", "")),
        detail=str(data.get("detail", "")),
        evidence=dict(data.get("evidence") or {}),
        fix=tuple(str(s) for s in data.get("fix") or ()),
        audience=str(data.get("audience", "")),
    )


def _check(data: dict[str, Any]) -> CheckResult:
    return CheckResult(
        check_id=str(data["id"]),
        title=str(data.get("title", data["id"])),
        status=Status[str(data["status"]).upper()],
        duration_ms=int(data.get("duration_ms") or 0),
        findings=tuple(_finding(f) for f in data.get("findings") or ()),
        facts=dict(data.get("facts") or {}),
        blocked_by=data.get("blocked_by"),
        traceback=data.get("traceback"),
    )


def report_from_dict(data: dict[str, Any]) -> Report:
    """The Report for a parsed JSON report; raises ReportFileError on anything missing."""
    try:
        root = data.get("root_cause")
        return Report(
            schema=str(data["schema"]),
            tool=dict(data.get("tool") or {}),
            target=dict(data.get("target") or {}),
            started_at=str(data.get("started_at", "")),
            duration_ms=int(data.get("duration_ms") or 0),
            verdict=Verdict(str(data["verdict"])),
            root_cause=RootCause(str(root["code"]), str(root["check"]), str(root["summary"]),
                                 tuple(root.get("fix") or ()), str(root.get("audience", "")))
            if root else None,
            checks=tuple(_check(c) for c in data["checks"]),
            command=str(data.get("command", "")),
            interrupted=bool(data.get("interrupted", False)),
            extras=dict(data.get("extras") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportFileError(f"not a sourcedoctor report ({type(exc).__name__}: {exc})") from None


def load_report(path: str | Path) -> Report:
    """Read and parse a JSON report file (size-capped); raises ReportFileError."""
    p = Path(path).expanduser()
    try:
        if p.stat().st_size > MAX_REPORT_BYTES:
            raise ReportFileError(f"{p} is larger than {MAX_REPORT_BYTES >> 20} MB")
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportFileError(f"cannot read {p}: {exc.strerror}") from None
    except ValueError as exc:
        raise ReportFileError(f"{p} is not JSON ({exc})") from None
    schema = str(data.get("schema", "")) if isinstance(data, dict) else ""
    if not schema.startswith("sourcedoctor.report"):
        raise ReportFileError(f"{p} is not a sourcedoctor report (no 'schema' field)")
    return report_from_dict(data)
