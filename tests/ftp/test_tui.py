"""The app's preview and ingest screens on a real FTP server (pyftpdlib): a file the lake refuses
(UTF-16) is said to be refused at preview time, the ingest screen shows the fix and ends its bar,
and an ingested file is recorded by its own URL (the folder named once)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from textual.widgets import ProgressBar, Static

from sourcedoctor import api
from sourcedoctor.connectors import get
from sourcedoctor.lake import Lake
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.messages import ConnectionTarget
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.ingest import IngestScreen
from sourcedoctor.tui.screens.preview import PreviewScreen
from tests.fixtures.ftpd import PASSWORD, USER, FtpServer
from tests.tui.conftest import wait_until


async def test_preview_warns_ingest_shows_the_fix_and_files_keep_their_url(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "in").mkdir(parents=True)
    (root / "in" / "utf16.csv").write_bytes("id,name\n1,ålpha\n".encode("utf-16"))
    (root / "in" / "ok.csv").write_bytes(b"id,name\n1,alpha\n")
    server = FtpServer(root, mode="plain").start()
    lake_path = tmp_path / "lake.duckdb"
    try:
        settings = get("ftp").settings(f"ftp://{USER}@{server.host}:{server.port}/in",
                                       password=SecretStr(PASSWORD))
        conn = ConnectionTarget(settings, timeout=5.0)
        async with api.open_source(settings, timeout=5.0) as opened:
            listing = await opened.source.list(opened.folder)
            entries = {e.name: e for e in listing.files}
            app = SourceDoctorApp(profiles=ProfileStore(tmp_path / "profiles.json"))
            async with app.run_test(size=(120, 40)) as pilot:
                preview = PreviewScreen(opened.source, entries["utf16.csv"], conn,
                                        folder=opened.folder)
                await app.push_screen(preview)
                problems = preview.query_one("#problems-text", Static)
                await wait_until(pilot, lambda: "cannot ingest" in str(problems.render()),
                                 what="the lake's refusal in the preview")
                text = str(problems.render())
                assert "data.encoding" in text and "iconv" in text
                assert "No problems" not in text
                await pilot.press("i")
                await wait_until(pilot, lambda: isinstance(app.screen, IngestScreen))
                ingest = app.screen
                assert isinstance(ingest, IngestScreen)
                ingest.lake_path = lake_path
                ingest.query_one("#lake").value = str(lake_path)  # type: ignore[attr-defined]
                await pilot.press("ctrl+g")
                status = ingest.query_one("#ingest-status", Static)
                await wait_until(pilot, lambda: "Ingest failed" in str(status.render()),
                                 what="the refusal")
                failed = str(status.render())
                assert "fix: Convert it: iconv -f UTF-16" in failed
                assert "/in/in/" not in failed
                bar = ingest.query_one("#progress", ProgressBar)
                assert bar.total is not None  # ended, not an endless "--%"
                # The other file lands, recorded as the folder URL + its name.
                await pilot.press("escape", "escape")
                # (the screen's sample only titles the form; the ingest samples the file again)
                assert preview.sample is not None
                ok = IngestScreen(opened.source, entries["ok.csv"], preview.sample, conn,
                                  lake_path=lake_path, folder=opened.folder)
                await app.push_screen(ok)
                await pilot.press("ctrl+g")
                await wait_until(pilot, lambda: ok.result is not None, what="the ingest")
        files = Lake(lake_path).batches()[0]["files"]
        assert [f["file"] for f in files] == [f"ftp://{USER}@{server.host}:{server.port}/in/ok.csv"]
    finally:
        server.stop()
