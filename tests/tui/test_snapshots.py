"""How every screen looks, at the 80x24 minimum and at 100x30, with fixed data (no network, no
clock). Update after an intended change with ``pytest tests/tui --snapshot-update``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from sourcedoctor.lake import BatchResult
from sourcedoctor.sources.local import LocalSource
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.browse import BrowseScreen
from sourcedoctor.tui.screens.diagnostics import DiagnosticsScreen
from sourcedoctor.tui.screens.export import ExportScreen
from sourcedoctor.tui.screens.ingest import IngestScreen
from sourcedoctor.tui.screens.preview import PreviewScreen
from sourcedoctor.tui.screens.setup import SetupScreen
from sourcedoctor.tui.widgets.checklist import CheckList

from . import sample_data as data

SIZES = [(80, 24), (100, 30)]


def make_app(tmp_path: Path) -> SourceDoctorApp:
    return SourceDoctorApp(profiles=ProfileStore(tmp_path / "profiles.json"))


def showing(screen_factory: Any, after: Any = None) -> Any:
    """A run_before that pushes the screen (and optionally acts on it)."""

    async def run_before(pilot: Pilot[None]) -> None:
        screen: Screen[Any] = screen_factory()
        await pilot.app.push_screen(screen)
        await pilot.pause()
        if after is not None:
            after(screen)
        await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_home(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size)


def test_help(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), press=["f1"], terminal_size=(80, 24))


SETUP_VALUES = {"host": "sftp.example.com", "user": "ingest", "password": "hunter2-hunter2",
                "folder": "inbound", "host_key_fingerprint": None}


@pytest.mark.parametrize("size", SIZES)
def test_setup_form(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size,
                        run_before=showing(lambda: SetupScreen(SETUP_VALUES)))


def test_setup_form_errors(snap_compare: Any, tmp_path: Path) -> None:
    bad = {**SETUP_VALUES, "host": "sftp://sftp.example.com", "port": "70000"}
    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24),
                        run_before=showing(lambda: SetupScreen(bad)))


S3_VALUES = {"bucket": "data", "folder": "inbound/daily", "access_key_id": "AKIAEXAMPLEKEY0001",
             "secret_access_key": "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY",
             "endpoint_url": "https://s3.eu-west-1.amazonaws.com"}


def test_setup_form_s3(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=(100, 30),
                        run_before=showing(lambda: SetupScreen(S3_VALUES, connector="s3")))


@pytest.mark.parametrize("size", SIZES)
def test_diagnostics_failed(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=showing(
        lambda: DiagnosticsScreen(report=data.failing_report(), animate=False)))


def test_diagnostics_passed(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=showing(
        lambda: DiagnosticsScreen(report=data.passing_report(), animate=False)))


def test_diagnostics_cancelled(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=showing(
        lambda: DiagnosticsScreen(report=data.cancelled_report(), animate=False)))


def test_diagnostics_running(snap_compare: Any, tmp_path: Path) -> None:
    def midway(screen: DiagnosticsScreen) -> None:
        checklist = screen.query_one(CheckList)
        checklist.reset()
        for result in data.passing_report().checks[:3]:
            checklist.conclude(result)
        checklist.begin("ssh.banner", "SSH banner")

    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=showing(
        lambda: DiagnosticsScreen(report=data.cancelled_report(), animate=False), midway))


def browse_folder(tmp_path: Path) -> Path:
    root = tmp_path / "srv"
    (root / "inbound" / "archive").mkdir(parents=True)
    os.utime(root / "inbound" / "archive", (data.MTIME, data.MTIME))
    for name, size in (("customers.csv", 2048), ("orders 2025#1.csv", 512)):
        path = root / "inbound" / name
        path.write_bytes(b"x" * size)
        os.utime(path, (data.MTIME, data.MTIME))
    return root


@pytest.mark.parametrize("size", SIZES)
def test_browse(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    root = browse_folder(tmp_path)
    screen = lambda: BrowseScreen(None, source=LocalSource(root), folder="inbound",  # noqa: E731
                                  target="aep")
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=showing(screen),
                        press=["down"])


@pytest.mark.parametrize("size", SIZES)
def test_preview(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=showing(
        lambda: PreviewScreen(None, data.ENTRY, None, sample=data.sample())))


def test_ingest_result(snap_compare: Any, tmp_path: Path) -> None:
    result = BatchResult(batch_id=1, dataset="customers", rows_read=6, rows_ingested=5,
                         rows_rejected=1, skipped_duplicate=False, duration=0.2,
                         content_hash="0" * 64)
    rejects = [{"line": 4, "record": 3, "reason": "ragged_row", "detail": "3 fields, expected 4",
                "raw": "3,user3@example.com,2200.75"}]

    def done(screen: IngestScreen) -> None:
        screen.show_result(result, rejects)

    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=showing(
        lambda: IngestScreen(None, data.ENTRY, data.sample(), None,
                             lake_path=Path("/data/lake.duckdb")), done))


def test_export(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=showing(
        lambda: ExportScreen(data.failing_report(), None, directory=Path("/srv/reports"))))
