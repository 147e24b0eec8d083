"""Reports for the ticket: JSON (versioned, with a JSON Schema), Markdown, HTML, terminal text, the
support bundle, reading saved reports back, and comparing two runs.

Every writer renders the redacted view of the report (:mod:`.redaction`): secrets never appear, and
with ``Redactor(redact_hosts=True)`` host names, IPs and user names become stable pseudonyms.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..config.secrets import Redactor
from ..model import Report
from .redaction import redacted_view

if TYPE_CHECKING:
    from .bundle import write_bundle
    from .diff import ReportDiff, diff_reports
    from .html import to_html
    from .json_report import report_schema, schema_errors, to_json
    from .load import ReportLoadError, load_report
    from .markdown import to_markdown
    from .text import render_text, to_text

# Writers load on first use: a `check` that prints text never pays for HTML, zip or JSON Schema,
# and one that writes JSON never loads rich (the text writer's).
_LAZY = {
    "render_text": ".text", "to_text": ".text",
    "write_bundle": ".bundle", "ReportDiff": ".diff", "diff_reports": ".diff", "to_html": ".html",
    "report_schema": ".json_report", "schema_errors": ".json_report", "to_json": ".json_report",
    "ReportLoadError": ".load", "load_report": ".load", "to_markdown": ".markdown",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

Format = Literal["json", "md", "html", "bundle", "text"]
FORMATS: tuple[str, ...] = ("text", "json", "md", "html", "bundle")

__all__ = [
    "FORMATS",
    "Format",
    "ReportDiff",
    "ReportLoadError",
    "diff_reports",
    "load_report",
    "redacted_view",
    "render_text",
    "report_schema",
    "schema_errors",
    "to_html",
    "to_json",
    "to_markdown",
    "to_text",
    "write_bundle",
    "write_report",
]


def render(report: Report, fmt: str, redactor: Redactor) -> str:
    """The report as text in one of the text formats (json, md, html, text)."""
    if fmt == "json":
        from .json_report import to_json

        return to_json(report, redactor)
    if fmt == "md":
        from .markdown import to_markdown

        return to_markdown(report, redactor)
    if fmt == "html":
        from .html import to_html

        return to_html(report, redactor)
    if fmt == "text":
        from .text import to_text

        return to_text(report, redactor)
    raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")


def write_report(report: Report, fmt: Format | str, redactor: Redactor,
                 output: Path | None = None, *, force: bool = False,
                 field: str = "--output") -> None:
    """Write the report in ``fmt`` to ``output`` (stdout when None; ``bundle`` needs a path).

    An existing ``output`` is refused unless ``force`` (the output rule, see
    :mod:`sourcedoctor.outputs`). Raises ValueError (``format: ...`` / ``output: ...``) for an
    unknown format or a bundle without an output path, and
    :class:`~sourcedoctor.outputs.OutputRefused` (a ValueError naming ``field``) for an output
    that must not or cannot be written.
    """
    from ..outputs import claim_output, staged_output, write_output

    if output is not None:
        claim_output(output, field, force=force)  # before any rendering work
    if fmt == "bundle":
        if output is None:
            raise ValueError("output: a bundle is a .zip file; give --output FILE.zip")
        from .bundle import write_bundle

        with staged_output(output, field, force=force) as tmp:
            write_bundle(report, redactor, tmp)
        return
    text = render(report, fmt, redactor)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_output(output, text, field, force=force)
