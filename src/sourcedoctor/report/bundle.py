"""The support bundle: one .zip with the report in every format, the transcript and the environment.

Entries carry a fixed timestamp (the report's start time) so the same report gives the same bytes.
"""

from __future__ import annotations

import platform
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..config.secrets import Redactor
from ..model import Report
from .escape import for_terminal
from .html import render_html
from .json_report import dumps
from .markdown import render_markdown
from .redaction import redact_dict

BUNDLE_FILES = ("report.json", "report.md", "report.html", "transcript.txt", "environment.json")


def bundle_environment(report: Report) -> dict[str, Any]:
    """The environment file: versions recorded by the run plus what wrote the bundle."""
    return {
        "run": dict(report.tool),
        "resolver": report.target.get("resolver") or "system resolver",
        "bundled_by": {
            "sourcedoctor": __version__,
            "python": sys.version.split()[0],
            "os": platform.platform(),
        },
    }


def _timestamp(report: Report) -> tuple[int, int, int, int, int, int]:
    try:
        t = datetime.fromisoformat(report.started_at)
    except ValueError:
        return (1980, 1, 1, 0, 0, 0)
    return (max(t.year, 1980), t.month, t.day, t.hour, t.minute, t.second)


def bundle_members(report: Report, redactor: Redactor) -> dict[str, str]:
    """Name → text of every file in the bundle, all redacted with one pseudonym mapping."""
    data = report.to_dict()
    # The environment joins the report dict for redaction so one mapping covers every file.
    data["extras"] = {**data.get("extras", {}), "__environment__": bundle_environment(report)}
    clean = redact_dict(data, redactor)
    extras = dict(clean.get("extras") or {})
    environment = extras.pop("__environment__")
    clean["extras"] = extras
    transcript = extras.get("transcript") or []
    # Transcript lines quote servers (banners, shell noise): one line each, controls shown.
    transcript_text = "\n".join(for_terminal(line) for line in transcript) + "\n" if transcript \
        else "(no transcript recorded)\n"
    return {
        "report.json": dumps(clean),
        "report.md": render_markdown(clean),
        "report.html": render_html(clean),
        "transcript.txt": transcript_text,
        "environment.json": dumps(environment),
    }


def write_bundle(report: Report, redactor: Redactor, path: Path) -> None:
    """Write the support bundle (.zip) to ``path``."""
    stamp = _timestamp(report)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in bundle_members(report, redactor).items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, text.encode("utf-8"))
