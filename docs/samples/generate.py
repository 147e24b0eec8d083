"""Regenerate the report samples in docs/samples/ and docs/report.schema.json.

    python docs/samples/generate.py

The samples are the writers' real output for the sample reports in ``sourcedoctor.report.samples``
(fixed times and versions, so regenerating changes nothing unless a writer changed; a test checks).
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

from sourcedoctor.config.secrets import Redactor
from sourcedoctor.report import diff_reports, to_html, to_json, to_markdown, to_text, write_bundle
from sourcedoctor.report.json_report import schema_text
from sourcedoctor.report.samples import HOST_KEY_SHA256_NEW, failing_report, passing_report

HERE = Path(__file__).resolve().parent


def sample_files() -> dict[str, str]:
    """File name (relative to docs/) → content."""
    report, red = failing_report(), Redactor()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "bundle.zip"
        write_bundle(report, red, bundle)
        with zipfile.ZipFile(bundle) as zf:
            # Names only: environment.json's size depends on the machine that writes the bundle.
            listing = "".join(f"{i.filename}\n" for i in zf.infolist())
            transcript = zf.read("transcript.txt").decode()
    rechecked = diff_reports(failing_report(), failing_report(HOST_KEY_SHA256_NEW))
    return {
        "report.schema.json": schema_text(),
        "samples/report.json": to_json(report, red),
        "samples/report.md": to_markdown(report, red),
        "samples/report.html": to_html(report, red),
        "samples/report.txt": to_text(report, red),
        "samples/report.redact-hosts.md": to_markdown(report, Redactor(redact_hosts=True)),
        "samples/pass.md": to_markdown(passing_report(), red),
        "samples/bundle-listing.txt": listing,
        "samples/bundle-transcript.txt": transcript,
        "samples/diff-fixed.txt": diff_reports(failing_report(), passing_report()).to_text(),
        "samples/diff-worse.json": diff_reports(passing_report(), failing_report()).to_json(),
        "samples/diff-hostkey.txt": rechecked.to_text(),
    }


def main() -> int:
    for name, text in sample_files().items():
        (HERE.parent / name).write_text(text, encoding="utf-8")
        print(f"wrote docs/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
