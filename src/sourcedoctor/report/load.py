"""Reading saved JSON reports back into :class:`~sourcedoctor.model.Report`, version-aware.

``schema`` is ``sourcedoctor.report/N``. Version 1 is the first published one; a reader accepts any
version up to its own (fields added later default when absent) and refuses newer ones with a message
saying to upgrade. Each future version adds one step to ``_UPGRADES`` that turns an N-1 document
into an N document, so old files stay readable.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model import CheckResult, Finding, Report, RootCause, Severity, Status, Verdict
from ..userfiles import REPORT_LIMIT, UserFileError, read_capped, read_user_file

CURRENT_VERSION = 1
_SCHEMA = re.compile(r"^sourcedoctor\.report/(\d+)$")

#: version N → function turning a version-N document into version N+1.
_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

#: A report file larger than this is not a report (guards memory on a wrong file).
MAX_REPORT_BYTES = REPORT_LIMIT


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
    if version < 1:
        raise ReportLoadError(
            f"schema: {schema} is not a published report version (the first is "
            "sourcedoctor.report/1); give a file written by sourcedoctor check --format json"
        )
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
            duration_ms=_number(raw.get("duration_ms"), f"{where}.duration_ms"),
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


def _number(value: Any, field: str) -> int:
    """A non-negative whole number (durations); anything else names the field."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 2**63:
        raise ReportLoadError(f"{field}: {value!r} is not a number of milliseconds")
    return int(value)


def report_from_dict(data: dict[str, Any]) -> Report:
    """Build a Report from a (possibly older) report document."""
    try:
        return _report_from_dict(data)
    except (TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, ReportLoadError):
            raise
        # A value of the wrong type somewhere (a list where an object belongs...).
        raise ReportLoadError(
            f"(structure): a value has the wrong type ({type(exc).__name__}); give a JSON report "
            "written by sourcedoctor check --format json"
        ) from None


def _report_from_dict(data: dict[str, Any]) -> Report:
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
        allowed = ", ".join(v.value for v in Verdict)
        raise ReportLoadError(f"verdict: {verdict_raw!r} is not one of {allowed}") from None
    interrupted = bool(data.get("interrupted", False))
    if interrupted:
        # Older writers said "pass" for a run stopped by Ctrl+C; it proved nothing.
        verdict = Verdict.INCOMPLETE
    return Report(
        schema=f"sourcedoctor.report/{CURRENT_VERSION}",
        tool=dict(data.get("tool") or {}),
        target=dict(data.get("target") or {}),
        started_at=str(data.get("started_at", "")),
        duration_ms=_number(data.get("duration_ms"), "duration_ms"),
        verdict=verdict,
        root_cause=root_cause,
        checks=tuple(_check(c, f"checks[{i}]") for i, c in enumerate(checks)),
        command=str(data.get("command", "")),
        interrupted=interrupted,
        extras=dict(data.get("extras") or {}),
    )


def _bundle_json(path: Path, raw: bytes) -> bytes:
    """report.json from a support bundle's bytes (counted while inflating, not from the header)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        try:
            info = zf.getinfo("report.json")
        except KeyError:
            raise ReportLoadError(f"{path}: a zip without report.json is not a bundle") from None
        with zf.open(info) as member:
            data = read_capped(member, MAX_REPORT_BYTES)
        if len(data) > MAX_REPORT_BYTES:
            raise ReportLoadError(f"{path}: report.json is too large for a report")
        return data


def load_report(path: Path | str) -> Report:
    """Read a saved JSON report (or a support bundle's report.json).

    Raises :class:`ReportLoadError` with a one-line reason naming the field.
    """
    p = Path(path)
    try:
        # Bounded, never blocking: a FIFO, a device or /dev/zero is refused, not read forever.
        raw = read_user_file(p, "FILE", limit=MAX_REPORT_BYTES, what="a report",
                             fix="give a JSON report or a support bundle (.zip)")
    except UserFileError as exc:
        raise ReportLoadError(exc.message) from None
    try:
        if zipfile.is_zipfile(io.BytesIO(raw)):
            raw = _bundle_json(p, raw)
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReportLoadError(f"{path}: not UTF-8 text; give a JSON report") from None
    except RecursionError:
        raise ReportLoadError(
            f"{path}: JSON nested too deeply to be a report; give a JSON report"
        ) from None
    except json.JSONDecodeError as exc:
        raise ReportLoadError(
            f"{path}: not JSON (line {exc.lineno}: {exc.msg}); give a JSON report, "
            "not the Markdown or HTML one"
        ) from None
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
        raise ReportLoadError(f"{path}: a damaged or unsupported zip ({exc}); give the bundle "
                              "sourcedoctor wrote, or its report.json") from None
    except OSError as exc:
        raise ReportLoadError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    return report_from_dict(data)
