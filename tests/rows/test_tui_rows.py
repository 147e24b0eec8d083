"""The app's row screens from plain data: the rows preview snapshot, browsing relations
(schemas → tables), and the ingest form landing a relation's rows in a real lake."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, Tree

from sourcedoctor.lake import Lake
from sourcedoctor.sources.rows import Column, Relation, RelationListing, RowSample
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.browse import BrowseScreen
from sourcedoctor.tui.screens.preview_rows import RowIngestScreen, RowPreviewScreen

COLUMNS = (
    Column("id", "integer", "integer", False),
    Column("customer", "text", "string"),
    Column("amount", "numeric(10,2)", "number"),
    Column("placed_at", "timestamp with time zone", "date-time"),
    Column("shape", "geometry", None, note="cast it to text in a view"),
)
ROWS = (
    *((i, f"customer {i}", Decimal(f"{i}.50"), datetime(2025, 1, 15, 9, i, tzinfo=UTC), None)
      for i in range(1, 6)),
    (6, "\x1b[31mred\x1b[0m [bold]x[/]", Decimal("1.00"), None, b"\x00\x01"),
)


def sample(limit: int = 100) -> RowSample:
    return RowSample("public.orders", COLUMNS, ROWS[:limit], more=False,
                     notes=("read-only transaction, LIMIT 100",))


class PlainRows:
    """Plain listing and sample data shaped as a RowSource (the screens' logic needs no server;
    the real PostgreSQL connector is driven in test_cli_rows.py)."""

    scheme = "postgresql"

    async def relations(self, parent: str | None = None, *, limit: int = 1_000) -> RelationListing:
        if parent is None:
            return RelationListing(None, (Relation("public", "schema"), Relation("audit", "schema")))
        return RelationListing(parent, (Relation(f"{parent}.orders", "table", parent, 6),
                                        Relation(f"{parent}.v_orders", "view", parent)))

    async def sample(self, relation: str, *, limit: int) -> RowSample:
        return sample(limit)


def make_app(tmp_path: Path) -> SourceDoctorApp:
    return SourceDoctorApp(profiles=ProfileStore(tmp_path / "profiles.json"))


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_rows_preview_snapshot(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.app.push_screen(RowPreviewScreen(None, "public.orders", None, sample()))
        await pilot.pause(0.2)

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)


async def test_browse_relations_then_preview(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.push_screen(BrowseScreen(None, source=PlainRows(), folder=""))  # type: ignore[arg-type]
        await pilot.pause(0.2)
        tree = app.screen.query_one(Tree)
        assert [str(n.label) for n in tree.root.children] == ["public/", "audit/"]
        await pilot.press("down", "enter")  # open the schema "public"
        await pilot.pause(0.2)
        public = tree.root.children[0]
        assert [str(n.label) for n in public.children] == ["orders  table  ~6 rows",
                                                           "v_orders  view"]
        await pilot.press("down")
        info = str(app.screen.query_one("#entry-info", Static).render())
        assert "public.orders" in info and "rows (estimate): 6" in info
        await pilot.press("enter")  # preview the table
        await pilot.pause(0.3)
        assert isinstance(app.screen, RowPreviewScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 6
        last = [str(c) for c in table.get_row_at(5)]
        assert "\x1b" not in "".join(last) and "\\x1b[31mred" in last[2]
        notes = str(app.screen.query_one("#problems-text", Static).render())
        assert "shape (geometry): the platform cannot take it" in notes


async def test_ingest_form_lands_rows(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    lake_path = tmp_path / "lake.duckdb"
    async with app.run_test(size=(100, 30)) as pilot:
        screen = RowIngestScreen(PlainRows(), "public.orders", sample(), None,  # type: ignore[arg-type]
                                 lake_path=lake_path)
        await app.push_screen(screen)
        await pilot.pause()
        assert screen.query_one("#dataset", Input).value == "orders"
        screen.query_one("#rows", Input).value = "4"
        await pilot.press("ctrl+g")
        for _ in range(50):
            await pilot.pause(0.1)
            if screen.result is not None:
                break
        assert screen.result is not None
        assert (screen.result.rows_read, screen.result.rows_ingested) == (4, 4)
    assert Lake(lake_path).show("orders", 10)[1][3][:2] == (4, "customer 4")


async def test_app_browses_previews_and_ingests_a_real_table(table: str, tmp_path: Path) -> None:
    """Against the machine's PostgreSQL through the real connector: schemas → tables, the rows
    preview of the test's table, and the ingest form landing its rows in a lake."""
    from sourcedoctor import api
    from sourcedoctor.tui.messages import ConnectionTarget

    from .conftest import DSN

    conn = ConnectionTarget(api.settings(DSN), timeout=10.0)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        browse = BrowseScreen(conn)
        await app.push_screen(browse)
        tree = browse.query_one(Tree)
        for _ in range(100):  # the diagnosis up to db.relation, then the schema listing
            await pilot.pause(0.1)
            if any(str(n.label) == "public/" for n in tree.root.children):
                break
        public = next(n for n in tree.root.children if str(n.label) == "public/")
        public.expand()
        short = table.split(".", 1)[1]
        for _ in range(50):
            await pilot.pause(0.1)
            found = [n for n in public.children if str(n.label).startswith(short + "  table")]
            if found:
                break
        tree.move_cursor(found[0])
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, RowPreviewScreen) and screen.relation == table
        for _ in range(50):
            await pilot.pause(0.1)
            if screen.row_sample is not None:
                break
        assert screen.query_one(DataTable).row_count == 5
        assert "blob (bytea): the platform cannot take it" in str(
            screen.query_one("#problems-text", Static).render())
        await pilot.press("i")
        ingest = app.screen
        assert isinstance(ingest, RowIngestScreen)
        ingest.query_one("#lake", Input).value = str(tmp_path / "lake.duckdb")
        await pilot.press("ctrl+g")
        for _ in range(100):
            await pilot.pause(0.1)
            if ingest.result is not None:
                break
        assert ingest.result is not None and ingest.result.rows_ingested == 5
    columns, rows = Lake(tmp_path / "lake.duckdb").show(short.replace("-", "_"), 10)
    assert len(rows) == 5 and columns[0] == "id"
