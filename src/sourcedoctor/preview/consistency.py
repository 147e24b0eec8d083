"""Folder consistency: a folder is ingested as one dataset, so its files must agree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .. import codes
from ..model import Finding, Severity
from ..targets import TargetProfile
from .model import SampleResult

#: Samples whose format says nothing about the schema (they carry their own findings).
_UNJUDGED = {"empty", "unknown"}
_JSON = {"json_lines", "json_array", "json_multiline"}


_NUMBERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "DOUBLE", "FLOAT",
            "DECIMAL")


def _type_kind(type_: str) -> str:
    # Samples of the same column infer BIGINT in one file and DOUBLE in the next: not a change.
    return "number" if type_.upper().startswith(_NUMBERS) else type_


def _family(fmt: str) -> str:
    return "json" if fmt in _JSON else fmt


def differences(reference: SampleResult, other: SampleResult) -> dict[str, Any]:
    """How ``other`` differs from ``reference`` (empty dict: they agree)."""
    diff: dict[str, Any] = {}
    if _family(reference.format) != _family(other.format):
        diff["format"] = [reference.format, other.format]
        return diff
    if reference.dialect and other.dialect and \
            reference.dialect.delimiter != other.dialect.delimiter:
        diff["delimiter"] = [reference.dialect.delimiter, other.dialect.delimiter]
    ref_cols = {c.name: c.type for c in reference.columns}
    oth_cols = {c.name: c.type for c in other.columns}
    missing = [n for n in ref_cols if n not in oth_cols]
    extra = [n for n in oth_cols if n not in ref_cols]
    if missing:
        diff["missing_columns"] = missing[:50]
    if extra:
        diff["extra_columns"] = extra[:50]
    changed = {n: [ref_cols[n], oth_cols[n]] for n in ref_cols
               if n in oth_cols and _type_kind(ref_cols[n]) != _type_kind(oth_cols[n])
               and "NULL" not in (ref_cols[n], oth_cols[n])}
    if changed:
        diff["type_changes"] = changed
    if not missing and not extra and list(ref_cols) != list(oth_cols):
        diff["column_order"] = [list(ref_cols)[:50], list(oth_cols)[:50]]
    return diff


def folder_consistency(samples: Sequence[SampleResult], target: TargetProfile) -> list[Finding]:
    """One ``data.schema_mismatch`` finding listing each sampled file that differs from the first
    readable one, and how. Empty and unreadable files are left to their own findings.

    It fails only under a target that ingests the folder as one dataset; elsewhere the connection
    works and a reader can take one file, so a mixed folder is a warning.
    """
    judged = [s for s in samples if s.format not in _UNJUDGED]
    if len(judged) < 2:
        return []
    reference = judged[0]
    differing = []
    for other in judged[1:]:
        diff = differences(reference, other)
        if diff:
            differing.append({"file": other.path, **diff})
    if not differing:
        return []
    first = differing[0]
    how = ", ".join(k.replace("_", " ") for k in first if k != "file")
    return [codes.make_finding(
        "data.schema_mismatch",
        f"{len(differing)} file(s) differ from {reference.path} (first: {first['file']}: {how})",
        evidence={"reference": reference.path, "reference_format": reference.format,
                  "reference_columns": [c.name for c in reference.columns][:50],
                  "differing": differing},
        severity=None if target.folder_is_one_dataset else Severity.WARN)]


def per_file_severity(findings: Sequence[Finding], samples: Sequence[SampleResult],
                      target: TargetProfile) -> list[Finding]:
    """Failures that concern single files, judged for the folder under ``target``.

    A target that ingests the folder as one dataset fails on any file it cannot read. Elsewhere,
    while another sampled file reads cleanly the connection works and a reader can take that file,
    so one empty, undecodable or broken file is a warning; with no clean file it stays a failure.
    """
    if target.folder_is_one_dataset:
        return list(findings)
    clean = any(all(f.severity < Severity.FAIL for f in s.findings) for s in samples)
    if not clean:
        return list(findings)
    return [replace(f, severity=Severity.WARN) if f.severity == Severity.FAIL else f
            for f in findings]
