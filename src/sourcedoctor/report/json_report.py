"""The JSON report: pretty, redacted ``Report.to_dict()``, and its JSON Schema.

The canonical schema is ``schema.json`` in this package; ``docs/report.schema.json`` is a generated
copy (a test keeps it identical).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from ..config.secrets import Redactor
from ..model import Report
from .escape import json_safe
from .redaction import redacted_view

#: The schema version this sourcedoctor writes.
SCHEMA_ID = "sourcedoctor.report/1"


@cache
def _schema_text() -> str:
    return resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every report written by this version validates against."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


def schema_text() -> str:
    """The schema file's exact text (what ``docs/report.schema.json`` must contain)."""
    return _schema_text()


def dumps(data: Any) -> str:
    """The one JSON style of every file we write: 2-space indent, UTF-8 kept, trailing newline.

    Control and invisible characters from servers (and lone surrogates of undecodable names) are
    ``\\uXXXX`` escapes: the same data for a parser, nothing raw on a terminal.
    """
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n"


def to_json(report: Report, redactor: Redactor) -> str:
    """The report as pretty JSON, redacted (and pseudonymised with ``redact_hosts``)."""
    return dumps(redacted_view(report, redactor))


def schema_errors(data: Any) -> list[str]:
    """Every way ``data`` breaks the schema, as ``path: message`` lines (empty when valid).

    Needs the ``jsonschema`` package (installed with the ``test`` extra); without it, only the
    ``schema`` field is checked.
    """
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema is in every test environment
        if not isinstance(data, dict) or data.get("schema") != SCHEMA_ID:
            return [f"schema: expected {SCHEMA_ID!r}"]
        return []
    validator = jsonschema.Draft202012Validator(report_schema())
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in err.absolute_path) or "(top)"
        out.append(f"{path}: {err.message}")
    return out
