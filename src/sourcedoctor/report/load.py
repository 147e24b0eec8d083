"""Reading saved JSON reports back into :class:`~sourcedoctor.model.Report`, version-aware.

``schema`` is ``sourcedoctor.report/N``. Version 1 is the first published one; a reader accepts any
version up to its own (fields added later default when absent) and refuses newer ones with a message
saying to upgrade. Each future version adds one step to ``_UPGRADES`` that turns an N-1 document
into an N document, so old files stay readable.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model import CheckResult, Finding, Report, RootCause, Severity, Status, Verdict

CURRENT_VERSION = 1
_SCHEMA = re.compile(r"^sourcedoctor\.report/(\d+)$")

#: version N → function turning a version-N document into version N+1.
_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

#: A report file larger than this is not a report (guards memory on a wrong file).
MAX_REPORT_BYTES = 64 * 1024 * 1024


class ReportLoadError(ValueError):
    """A file that is not a readable report; the message names the field and what to do."""


def _version(data: dict[str, Any]) -> int:
    schema = data.get("schema")
    m = _SCHEMA.match(schema) if isinstance(schema, str) else None
    if m is None:
        raise ReportLoadError(
            f"schema: {schema!r} is not a sourcedoctor report version; "
            "give a file written by sourcedoctor check --format json"
        )
    version = int(m[1])
    if version > CURRENT_VERSION:
        raise ReportLoadError(
            f"schema: {schema} was written by a newer sourcedoctor; upgrade sourcedoctor to read it"
        )
    return version


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a report document of any known version to the current one."""
    version = _version(data)
    while version < CURRENT_VERSION:
        data = _UPGRADES[version](data)
        version += 1
    return data


def _enum(kind: type[Any], value: Any, field: str) -> Any:
    try:
        return kind[str(value).upper()]
    except KeyError:
        allowed = ", ".join(m.name.lower() for m in kind)
        raise ReportLoadError(f"{field}: {value!r} is not one of {allowed}") from None


def _finding(raw: dict[str, Any], where: str) -> Finding:
    try:
        return Finding(
            code=str(raw["code"]),
            severity=_enum(Severity, raw.get("severity", "info"), f"{where}.severity"),
            summary=str(raw.get("summary", "")),
            detail=str(raw.get("detail", "")),
            evidence=dict(raw.get("evidence") or {}),
            fix=tuple(str(s) for s in raw.get("fix") or ()),
            audience=str(raw.get("audience", "")),
        )
    except KeyError as exc:
        raise ReportLoadError(f"{where}.{exc.args[0]}: missing") from None


def _check(raw: dict[str, Any], where: str) -> CheckResult:
    try:
        return CheckResult(
            check_id=str(raw["id"]),
            title=str(raw.get("title", raw["id"])),
            status=_enum(Status, raw.get("status", "pass"), f"{where}.status"),
            duration_ms=int(raw.get("duration_ms") or 0),
            findings=tuple(
                _finding(f, f"{where}.findings[{i}]")
                for i, f in enumerate(raw.get("findings") or [])
            ),
            facts=dict(raw.get("facts") or {}),
            blocked_by=raw.get("blocked_by"),
            traceback=raw.get("traceback"),
        )
    except KeyError as exc:
        raise ReportLoadError(f"{where}.{exc.args[0]}: missing") from None


def report_from_dict(data: dict[str, Any]) -> Report:
    """Build a Report from a (possibly older) report document."""
    if not isinstance(data, dict):
        raise ReportLoadError("(top): a report is a JSON object; give a sourcedoctor JSON report")
    data = upgrade(data)
    root = data.get("root_cause")
    try:
        root_cause = None if not root else RootCause(
            code=str(root["code"]), check=str(root["check"]), summary=str(root.get("summary", "")),
            fix=tuple(str(s) for s in root.get("fix") or ()),
            audience=str(root.get("audience", "")),
        )
    except (KeyError, TypeError):
        raise ReportLoadError("root_cause: needs code and check, or null") from None
    checks = data.get("checks")
    if not isinstance(checks, list):
        raise ReportLoadError("checks: missing or not a list")
    verdict_raw = data.get("verdict")
    try:
        verdict = Verdict(verdict_raw)
    except ValueError:
        raise ReportLoadError(
            f"verdict: {verdict_raw!r} is not pass, warn, fail or error"
        ) from None
    return Report(
        schema=f"sourcedoctor.report/{CURRENT_VERSION}",
        tool=dict(data.get("tool") or {}),
        target=dict(data.get("target") or {}),
        started_at=str(data.get("started_at", "")),
        duration_ms=int(data.get("duration_ms") or 0),
        verdict=verdict,
        root_cause=root_cause,
        checks=tuple(_check(c, f"checks[{i}]") for i, c in enumerate(checks)),
        command=str(data.get("command", "")),
        interrupted=bool(data.get("interrupted", False)),
        extras=dict(data.get("extras") or {}),
    )


def _bundle_json(path: Path) -> bytes:
    """report.json from a support bundle (size-checked before reading)."""
    with zipfile.ZipFile(path) as zf:
        try:
            info = zf.getinfo("report.json")
        except KeyError:
            raise ReportLoadError(f"{path}: a zip without report.json is not a bundle") from None
        if info.file_size > MAX_REPORT_BYTES:
            raise ReportLoadError(f"{path}: report.json is too large for a report")
        return zf.read(info)


def load_report(path: Path | str) -> Report:
    """Read a saved JSON report (or a support bundle's report.json).

    Raises :class:`ReportLoadError` with a one-line reason naming the field.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise ReportLoadError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    if size > MAX_REPORT_BYTES:
        raise ReportLoadError(f"{path}: {size} bytes is too large for a report")
    try:
        raw = _bundle_json(p) if zipfile.is_zipfile(p) else p.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReportLoadError(f"{path}: not UTF-8 text; give a JSON report") from None
    except json.JSONDecodeError as exc:
        raise ReportLoadError(
            f"{path}: not JSON (line {exc.lineno}: {exc.msg}); give a JSON report, "
            "not the Markdown or HTML one"
        ) from None
    except OSError as exc:
        raise ReportLoadError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    return report_from_dict(data)
