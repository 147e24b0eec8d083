"""The app against the real embedded SFTP server holding hostile names and cells: the browse tree and
the preview show them escaped (no escape sequence rendered, no markup obeyed)."""

from __future__ import annotations

from pathlib import Path

from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static, Tree

from sourcedoctor.connectors.sftp.demo.server import DemoServer, ServerOptions
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.messages import ConnectionTarget
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.browse import BrowseScreen
from sourcedoctor.tui.screens.preview import PreviewScreen

from .conftest import wait_until

EVIL = "a\x1b[2J\x1b[31mEVIL.csv"
MARKUP = "[bold red]loud.csv"
FILES = {
    f"in/{EVIL}": b"id,na\x1b]0;pwned\x07me\n1,\x1b[2Jx\n2,[bold red]y[/]\n",
    f"in/{MARKUP}": b"id\n1\n",
}


def _plain(label: object) -> str:
    return getattr(label, "plain", str(label))


async def test_browse_and_preview_show_hostile_text_escaped(tmp_path: Path) -> None:
    options = ServerOptions(files=FILES)
    async with DemoServer(options=options) as demo:
        conn = ConnectionTarget(demo.settings(folder="in"), "generic", 5.0)
        app = SourceDoctorApp(profiles=ProfileStore(tmp_path / "profiles.json"), timeout=5.0)
        async with app.run_test(size=(120, 30)) as pilot:
            await app.push_screen(BrowseScreen(conn))
            browse = app.screen
            tree = browse.query_one(Tree)
            await wait_until(pilot, lambda: len(tree.root.children) >= 2, what="the listing")
            labels = [_plain(node.label) for node in tree.root.children]
            assert any(label.startswith("a\\x1b[2J\\x1b[31mEVIL.csv") for label in labels), labels
            assert any(label.startswith(MARKUP) for label in labels), labels  # markup shown
            assert not any("\x1b" in label for label in labels)
            screenshot = app.export_screenshot()
            assert "\x1b" not in screenshot and "EVIL.csv" in screenshot

            node = next(n for n in tree.root.children if n.data and n.data.name == EVIL)
            tree.move_cursor(node)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
            preview = app.screen
            assert isinstance(preview, PreviewScreen)
            await wait_until(pilot, lambda: preview.sample is not None, what="the sample")
            table = preview.query_one(DataTable)
            headers = [_plain(col.label) for col in table.columns.values()]
            assert "na\\x1b]0;pwned\\x07me" in headers, headers
            cells = [_plain(table.get_cell_at(Coordinate(row, 2))) for row in range(table.row_count)]
            assert cells == ["\\x1b[2Jx", "[bold red]y[/]"]
            title = preview.query_one("#title", Static)
            assert "\\x1b" in _plain(title.render())
            screenshot = app.export_screenshot()
            assert "\x1b" not in screenshot and "\x07" not in screenshot
