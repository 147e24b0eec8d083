"""The rows preview from plain RowSample / RelationListing data: JSON shape, escaping, bounds."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

from rich.console import Console

from sourcedoctor.preview.rows import (
    CELL,
    cell_text,
    json_value,
    list_relations,
    preview_of_listing,
    preview_of_sample,
    render,
)
from sourcedoctor.sources.rows import Column, Relation, RelationListing, RowSample

COLUMNS = (
    Column("id", "integer", "integer", False),
    Column("name", "text", "string"),
    Column("amount", "numeric(10,2)", "number"),
    Column("at", "timestamptz", "date-time"),
    Column("geom", "geometry", None, note="PostGIS types have no platform type; cast to text"),
)
HOSTILE = "\x1b]0;owned\x07\x1b[2J[bold]x[/bold]\u202e"
ROWS = (
    (1, "plain", Decimal("10.50"), datetime(2024, 1, 2, 3, 4, tzinfo=UTC), b"\x01\x02"),
    (2, HOSTILE, None, None, None),
    (3, "y" * 500, Decimal("1E+2"), None, None),
)


def sample() -> RowSample:
    return RowSample("public.orders", COLUMNS, ROWS, more=True, notes=("sampled with LIMIT 3",))


def test_json_matches_the_file_preview_shape() -> None:
    data = preview_of_sample(sample(), scheme="postgresql", target="aep").to_dict()
    # The same top-level keys as PreviewResult.to_dict, plus the source's scheme.
    assert set(data) == {"path", "kind", "target", "entries", "left_out", "left_out_at_least",
                         "listing_errors", "findings", "samples", "source"}
    assert (data["path"], data["kind"], data["target"]) == ("public.orders", "relation", "aep")
    (s,) = data["samples"]
    assert s["path"] == "public.orders" and s["format"] == "rows" and s["truncated"] is True
    assert [c["platform_type"] for c in s["columns"]] == [
        "integer", "string", "number", "date-time", None]
    assert [c["supported"] for c in s["columns"]] == [True, True, True, True, False]
    assert s["rows"][0] == {"id": 1, "name": "plain", "amount": "10.50",
                            "at": "2024-01-02T03:04:00+00:00", "geom": "\\x0102"}
    assert s["rows"][1]["name"] == HOSTILE  # JSON keeps the real value; json_safe escapes it
    assert s["facts"]["unsupported_columns"] == ["geom"]
    assert "sampled with LIMIT 3" in s["notes"]
    assert any("geom (geometry) cannot be taken" in n and "cast to text" in n for n in s["notes"])
    json.dumps(data)  # serialisable as it is


def test_cells_are_bounded_and_escaped() -> None:
    assert len(cell_text("y" * 500)) == CELL and cell_text("y" * 500).endswith("…")
    text = cell_text(HOSTILE, width=200)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b" in text and "\\u202e" in text
    assert cell_text(None) == ""
    assert cell_text({"a": [1, 2]}) == '{"a": [1, 2]}'


def test_json_value_keeps_what_the_value_says() -> None:
    assert json_value(Decimal("0.1000000000000000000001")) == "0.1000000000000000000001"
    assert json_value(float("nan")) == "NaN" and json_value(float("-inf")) == "-Infinity"
    assert json_value(date(2024, 2, 29)) == "2024-02-29"
    assert json_value(b"\xff" * 5000).endswith("…(+904 bytes)")
    assert json_value({"k": (1, Decimal("2"))}) == {"k": [1, "2"]}


def test_text_render_escapes_and_flags_unsupported() -> None:
    out, err = StringIO(), StringIO()
    render(preview_of_sample(sample(), scheme="postgresql"),
           Console(file=out, width=200, color_system=None),
           Console(file=err, width=200, color_system=None))
    table, notes = out.getvalue(), err.getvalue()
    assert "\x1b" not in table + notes and "\u202e" not in table
    assert "[bold]x[/bold]" in table  # markup in a cell stays literal text
    assert "unsupported" in table and "geometry → UNSUPPORTED" in notes
    assert "numeric(10,2) → number" in table
    assert "3 row(s), more rows exist" in notes


class _Listed:
    """Plain listing data shaped as a RowSource (no I/O): schemas, and tables per schema."""

    scheme = "postgresql"

    def __init__(self) -> None:
        self.asked: list[str | None] = []

    async def relations(self, parent: str | None = None, *, limit: int = 1_000) -> RelationListing:
        self.asked.append(parent)
        if parent is None:
            return RelationListing(None, (Relation("public", "schema"), Relation("sales", "schema")))
        names = [f"{parent}.t{i}" for i in range(4)]
        rels = tuple(Relation(n, "table", parent) for n in names[:limit])
        return RelationListing(parent, rels, max(len(names) - limit, 0))

    async def sample(self, relation: str, *, limit: int) -> RowSample:
        raise AssertionError("a listing never samples")


def test_listing_expands_schemas_within_the_limit() -> None:
    source = _Listed()
    listing = asyncio.run(list_relations(source, limit=6))
    assert [r.name for r in listing.relations] == [
        "public.t0", "public.t1", "public.t2", "public.t3", "sales.t0", "sales.t1"]
    assert listing.truncated == 2
    data = preview_of_listing(listing, scheme="postgresql").to_dict()
    assert data["kind"] == "relations" and data["left_out"] == 2
    assert data["entries"][0] == {"path": "public.t0", "name": "public.t0", "kind": "table",
                                  "parent": "public", "rows_estimate": None}
