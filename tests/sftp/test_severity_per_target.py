"""Severity is judged per target with one question: does this stop the platform from reading?

Real diagnoses against the embedded SFTP server. A shared drop folder holding a CSV and a gzipped
JSON-lines file works for a generic reader (pick one file): a warning. The ``aep`` folder dataflow
ingests the whole folder as one dataset: a failure. The same split holds for entries that are not
regular files and for a delimited file without a usable header row (see docs/targets.md).
"""

from __future__ import annotations

import dataclasses
import gzip
import os
from pathlib import Path

import pytest

from sourcedoctor.connectors.sftp.demo.server import DEMO_FOLDER, DemoServer, ServerOptions, demo_files
from sourcedoctor.model import Report, Severity, Status, Verdict
from tests.sftp.helpers import codes, diagnose, failing, sshd_values, status

_CSV = b"id,email,country\n1,ana@example.com,PT\n2,bob@example.com,US\n3,chen@example.com,CN\n"
_JSONL = b"".join(b'{"order_id": %d, "sku": "SKU-%04d", "qty": %d}\n' % (n, n, n % 3 + 1)
                  for n in range(1, 21))
_NO_HEADER = b"1,2024-01-15,1520.50\n2,2024-02-03,310.00\n3,2024-02-28,2200.75\n"


def _options(files: dict[str, bytes]) -> ServerOptions:
    base = {k: v for k, v in demo_files(None).items() if not k.startswith(f"{DEMO_FOLDER}/")}
    prefixed = {f"{DEMO_FOLDER}/{name}": data for name, data in files.items()}
    return dataclasses.replace(ServerOptions(), files={**base, **prefixed})


def _finding_severity(report: Report, code: str) -> Severity:
    found = [f.severity for c in report.checks for f in c.findings if f.code == code]
    assert found, codes(report)
    return found[0]


MIXED = {"customers.csv": _CSV, "orders.jsonl.gz": gzip.compress(_JSONL, mtime=0)}


async def test_mixed_formats_folder_warns_under_generic() -> None:
    async with DemoServer(options=_options(MIXED)) as demo:
        report = await diagnose("generic", **demo.settings().model_dump())
    assert report.verdict is Verdict.WARN, codes(report)
    assert report.root_cause is None
    assert _finding_severity(report, "data.schema_mismatch") is Severity.WARN
    assert status(report, "data.format") is Status.WARN
    differing = next(f for c in report.checks for f in c.findings
                     if f.code == "data.schema_mismatch").evidence["differing"]
    assert [d["format"] for d in differing] == [["csv", "json_lines"]]


async def test_mixed_formats_folder_fails_under_aep() -> None:
    async with DemoServer(options=_options(MIXED)) as demo:
        report = await diagnose("aep", **demo.settings().model_dump())
    assert report.verdict is Verdict.FAIL, codes(report)
    assert failing(report) == "data.schema_mismatch"
    assert report.root_cause is not None and report.root_cause.check == "data.format"


@pytest.mark.parametrize(("target", "verdict", "root"), [
    ("generic", Verdict.WARN, None), ("aep", Verdict.FAIL, "file.unreadable")])
async def test_fifo_beside_files(tmp_path: Path, target: str, verdict: Verdict,
                                 root: str | None) -> None:
    folder = tmp_path / "root" / DEMO_FOLDER
    folder.mkdir(parents=True)
    (folder / "customers.csv").write_bytes(_CSV)
    os.mkfifo(folder / "pipe.csv")
    async with DemoServer(root=tmp_path / "root") as demo:
        report = await diagnose(target, **demo.settings().model_dump())
    assert report.verdict is verdict, codes(report)
    assert failing(report) == root
    assert "file.unreadable" in codes(report)


@pytest.mark.parametrize(("target", "verdict", "root"), [
    ("generic", Verdict.WARN, None), ("aep", Verdict.FAIL, "data.header_missing")])
async def test_header_missing(target: str, verdict: Verdict, root: str | None) -> None:
    async with DemoServer(options=_options({"values.csv": _NO_HEADER})) as demo:
        report = await diagnose(target, **demo.settings().model_dump())
    assert report.verdict is verdict, codes(report)
    assert failing(report) == root
    assert "data.header_missing" in codes(report)


@pytest.mark.parametrize(("target", "verdict", "root"), [
    ("generic", Verdict.WARN, None), ("aep", Verdict.FAIL, "data.empty_file")])
async def test_one_empty_file_beside_a_good_one(target: str, verdict: Verdict,
                                                root: str | None) -> None:
    async with DemoServer(options=_options({"customers.csv": _CSV, "late.csv": b""})) as demo:
        report = await diagnose(target, **demo.settings().model_dump())
    assert report.verdict is verdict, codes(report)
    assert failing(report) == root
    assert "data.empty_file" in codes(report)


async def test_only_file_empty_fails_everywhere() -> None:
    async with DemoServer(options=_options({"late.csv": b""})) as demo:
        report = await diagnose("generic", **demo.settings().model_dump())
    assert failing(report) == "data.empty_file", codes(report)


@pytest.mark.sshd
async def test_unreadable_and_empty_files_beside_a_good_one_on_openssh(sshd) -> None:  # type: ignore[no-untyped-def]
    """OpenSSH's ~/data: customers.csv, empty.csv (0 bytes), unreadable.csv (mode 000)."""
    generic = await diagnose("generic", **sshd_values(sshd, file=None))
    assert generic.verdict is Verdict.WARN and generic.root_cause is None, codes(generic)
    assert {"file.permission_denied", "data.empty_file"} <= set(codes(generic))
    aep = await diagnose("aep", **sshd_values(sshd, file=None))
    assert aep.verdict is Verdict.FAIL, codes(aep)
    assert failing(aep) == "file.permission_denied"
