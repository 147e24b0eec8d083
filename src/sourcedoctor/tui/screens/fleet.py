"""Fleet: diagnose every connection of a TOML/CSV file, with a live table and a grouped summary.

The same engine as ``sourcedoctor fleet`` (:class:`sourcedoctor.fleet.run.FleetRun`). Secrets come
from the references in the file: environment variables and keyring entries; a ``*_prompt``
reference stays unresolved here (its connections report ``config.invalid`` naming it) — the CLI
asks for those.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Static

from ...report.escape import for_terminal

_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "error": "red", "incomplete": "yellow"}


class FleetScreen(Screen[None]):
    """Pick a fleet file, run it, watch rows arrive; Esc stops the sweep (partial summary)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop_or_back", "Stop / back"),
    ]

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.initial_path = path
        self.fleet: Any = None
        self.result: dict[str, Any] | None = None
        #: Each finished row's item (row key → FleetItem), for the detail line below the table.
        self.items: dict[Any, Any] = {}

    def compose(self) -> ComposeResult:
        yield Static("Fleet · many connections at once (TOML or CSV, secrets by reference)", id="title")
        with Horizontal(id="fleet-bar"):
            yield Input(self.initial_path, placeholder="path to fleet.toml or fleet.csv", id="fleet-path")
            yield Button("Run", id="fleet-run", variant="primary")
        yield Static("", id="fleet-status")
        table: DataTable[Any] = DataTable(id="fleet-table", zebra_stripes=True, cursor_type="row")
        yield table
        yield Static("", id="fleet-detail")
        yield Static("", id="fleet-summary")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#fleet-table", DataTable)
        table.add_columns("connection", "verdict", "root cause", "time")
        self.query_one("#fleet-path", Input).focus()

    @on(Button.Pressed, "#fleet-run")
    @on(Input.Submitted, "#fleet-path")
    def _start(self) -> None:
        path = self.query_one("#fleet-path", Input).value.strip()
        if path:
            self.run_fleet(Path(path).expanduser())

    def _status(self, text: str) -> None:
        self.query_one("#fleet-status", Static).update(Text(text))

    @work(exclusive=True, group="fleet")
    async def run_fleet(self, path: Path) -> None:
        from ...fleet.credentials import resolve_secrets
        from ...fleet.inventory import InventoryError, load_inventory
        from ...fleet.render import text_summary
        from ...fleet.run import ConnectionFinished, ConnectionStarted, FleetFinished, FleetRun
        from ...fleet.summary import fleet_dict
        from ...userfiles import UserFileError

        table = self.query_one("#fleet-table", DataTable)
        table.clear()
        self.items.clear()
        self.query_one("#fleet-detail", Static).update("")
        self.query_one("#fleet-summary", Static).update("")
        try:
            entries = load_inventory(path)
        except (InventoryError, UserFileError) as exc:
            self._status(f"✗ {for_terminal(exc)}")
            return
        secrets = resolve_secrets(entries, prompt=None)
        self.fleet = FleetRun(entries, secrets)
        total, done, running = len(entries), 0, 0
        self._status(f"running {total} connections… (Esc stops)")
        async for event in self.fleet.events():
            if isinstance(event, ConnectionStarted):
                running += 1
            elif isinstance(event, ConnectionFinished):
                done, running = event.done, running - 1
                item = event.item
                key = table.add_row(Text(for_terminal(item.name)),
                                    Text(item.verdict, style=_STYLE.get(item.verdict, "")),
                                    Text(item.root_cause or "—"), Text(f"{item.duration_ms} ms"))
                self.items[key] = item
            elif isinstance(event, FleetFinished):
                self.result = fleet_dict(event.result)
                self.query_one("#fleet-summary", Static).update(
                    Text("\n".join(text_summary(self.result))))
            self._status(f"{done}/{total} done · {max(running, 0)} running")
        self._status(("✗ interrupted · " if self.result and self.result["interrupted"] else "✓ ")
                     + f"{done}/{total} done")
        self.fleet = None

    @on(DataTable.RowHighlighted, "#fleet-table")
    def _show_row(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted connection's source, root cause and fix (from its kept report)."""
        item = self.items.get(event.row_key)
        if item is not None:
            self.query_one("#fleet-detail", Static).update(detail_text(item))

    def action_stop_or_back(self) -> None:
        if self.fleet is not None:
            self.fleet.cancel()
        else:
            self.app.pop_screen()


def detail_text(item: Any) -> Text:
    """One connection of the sweep: its URL, verdict, root cause with the fix, or "no problem"."""
    out = Text()
    out.append(for_terminal(item.name), style="bold")
    out.append(f"  {for_terminal(item.url)}\n")
    root = item.report.get("root_cause") if isinstance(item.report, dict) else None
    if not isinstance(root, dict):
        out.append(f"{item.verdict}: no problem to fix", style=_STYLE.get(item.verdict, ""))
        return out
    out.append(f"{root.get('code', '')}: ", style=_STYLE.get(item.verdict, ""))
    out.append(for_terminal(str(root.get("summary", ""))))
    for number, step in enumerate(root.get("fix") or [], 1):
        out.append(f"\n  {number}. {for_terminal(str(step))}")
    return out
