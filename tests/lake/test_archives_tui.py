"""The app's preview → ingest screens land an archive and pretty-printed JSON from the real
embedded SFTP server: every data member of the archive, the skipped entries listed with the batch,
and under ``aep`` the multi-line JSON note kept with a batch that still lands."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import cast

from textual.widgets import Input, Static

from sourcedoctor import api
from sourcedoctor.lake import Lake
from sourcedoctor.sources.base import FileSource
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.messages import ConnectionTarget
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.ingest import IngestScreen
from sourcedoctor.tui.screens.preview import PreviewScreen
from tests.tui.conftest import wait_until

from .conftest import SFTP_PASSWORD, SftpServer
from .data import good_csv
from .test_archives import _members, _tar_with_odd_entries


async def _preview_then_ingest(sftp_server: SftpServer, tmp_path: Path, name: str,
                               target: str) -> tuple[IngestScreen, str]:
    """Open ``name`` in the app's preview over SFTP, press ``i``, then ^G; the ingest screen
    (its result set) and the status line it shows."""
    settings = api.sftp_settings(sftp_server.url(), password=SFTP_PASSWORD,
                                 host_key_fingerprint=sftp_server.fingerprint)
    conn = ConnectionTarget(settings, target=target, timeout=10.0)
    lake_path = tmp_path / "lake.duckdb"
    async with api.open_source(settings, target=target, timeout=10.0) as opened:
        source = cast(FileSource, opened.source)  # an SFTP folder: files, not rows
        entry = next(e for e in (await source.list(opened.folder)).files if e.name == name)
        app = SourceDoctorApp(profiles=ProfileStore(tmp_path / "profiles.json"))
        async with app.run_test(size=(120, 40)) as pilot:
            preview = PreviewScreen(source, entry, conn, folder=opened.folder)
            await app.push_screen(preview)
            await wait_until(pilot, lambda: preview.sample is not None, what="the sample")
            await pilot.press("i")
            await wait_until(pilot, lambda: isinstance(app.screen, IngestScreen), what="ingest")
            ingest = app.screen
            assert isinstance(ingest, IngestScreen)
            ingest.query_one("#lake", Input).value = str(lake_path)
            await pilot.press("ctrl+g")
            await wait_until(pilot, lambda: ingest.result is not None, what="the ingest")
            status = str(ingest.query_one("#ingest-status", Static).render())
    return ingest, status


async def test_app_lands_every_member_of_a_tar_gz(sftp_server: SftpServer, tmp_path: Path) -> None:
    _tar_with_odd_entries(sftp_server.root / "inbound")
    ingest, status = await _preview_then_ingest(sftp_server, tmp_path, "daily.tar.gz", "generic")
    result = ingest.result
    assert result is not None
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (30, 30, 0)
    assert _members(result.files) == {
        "a.csv": 10, "sub": "directory", "sub/b.csv": 20, "link.csv": "symlink",
        "pipe": "fifo", "notes.csv": "other_schema"}
    # The screen says what was left out of the archive, as the CLI's summary does.
    assert "data.archive_entry_skipped" in status and "data.schema_mismatch" in status
    batch = Lake(tmp_path / "lake.duckdb").batches()[0]
    assert {f["archive"] for f in batch["files"]} == {f"{sftp_server.url()}/daily.tar.gz"}


async def test_app_lands_a_zip_under_aep_with_the_member_failure(
    sftp_server: SftpServer, tmp_path: Path
) -> None:
    import zipfile

    folder = sftp_server.root / "inbound"
    with zipfile.ZipFile(folder / "two.zip", "w") as zf:
        zf.writestr("a.csv", good_csv(tmp_path / "a.csv", 5).read_bytes(),
                    compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("b.csv", good_csv(tmp_path / "b.csv", 5, start=5).read_bytes(),
                    compress_type=zipfile.ZIP_BZIP2)
    ingest, status = await _preview_then_ingest(sftp_server, tmp_path, "two.zip", "aep")
    result = ingest.result
    assert result is not None and result.rows_ingested == 5
    note = next(n for n in result.notes if n.code == "data.compression_unsupported")
    assert note.severity.label == "fail"  # judged under the connection's target, not generic
    assert "data.compression_unsupported" in status


async def test_app_lands_pretty_printed_json_and_keeps_the_aep_note(
    sftp_server: SftpServer, tmp_path: Path
) -> None:
    events = [{"id": i, "name": f"n{i}", "where": {"x": i}} for i in range(6)]
    folder = sftp_server.root / "inbound"
    (folder / "events.json").write_text("".join(json.dumps(e, indent=2) + "\n" for e in events))
    with tarfile.open(folder / "events.tgz", "w:gz") as tf:
        tf.add(folder / "events.json", "day1/events.json")
    ingest, status = await _preview_then_ingest(sftp_server, tmp_path, "events.json", "aep")
    result = ingest.result
    assert result is not None
    assert (result.rows_read, result.rows_ingested) == (6, 6)
    assert [n.code for n in result.notes] == ["data.json_multiline"]
    assert "data.json_multiline" in status
    assert "data.json_multiline" in Lake(tmp_path / "lake.duckdb").batches()[0]["files"][0]["notes"]
    # Generic: the same objects land with no note at all.
    (tmp_path / "lake.duckdb").unlink()
    ingest, status = await _preview_then_ingest(sftp_server, tmp_path, "events.tgz", "generic")
    result = ingest.result
    assert result is not None and result.rows_ingested == 6 and not result.notes
    assert result.files[0]["member"] == "day1/events.json"
