"""Home: start a new connection (one entry per installed connector), reopen a saved profile or a
report, or try the demo server."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Select, Static
from textual.widgets.option_list import Option

from ..connectors import DEFAULT_CONNECTOR, installed

if TYPE_CHECKING:
    from ..app import SourceDoctorApp

NO_FAULT = "none"
#: Option id of a connector's "New connection" entry; the default connector keeps the plain "new".
NEW_PREFIX = "new:"


def new_connection_options() -> list[Option]:
    """One "New: TITLE" entry per installed connector, the default one first."""
    return [Option(f"New: {c.title}",
                   id="new" if c.name == DEFAULT_CONNECTOR else f"{NEW_PREFIX}{c.name}")
            for c in installed()]


class HomeScreen(Screen[None]):
    """The first screen. ``faults`` (name → description) fills the demo fault picker."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "app.new_connection", "New connection"),
        Binding("o", "app.open_report", "Open report"),
        Binding("d", "start_demo", "Demo"),
        Binding("f", "app.fleet", "Fleet"),
    ]

    def __init__(self, profiles: list[str], faults: dict[str, str],
                 fault: str | None = None) -> None:
        super().__init__()
        self.profiles = profiles
        self.faults = faults
        self.fault = fault

    def compose(self) -> ComposeResult:
        yield Static("sourcedoctor · why can't the platform read this source, and what do we "
                     "change?", id="title")
        with Horizontal(id="home-body"):
            with Vertical(id="home-start"):
                yield Static("Start", classes="section")
                yield OptionList(
                    *new_connection_options(),
                    Option("Open a report (JSON)…", id="open"),
                    Option("Check a fleet of connections (TOML/CSV)…", id="fleet"),
                    Option("Try the demo server", id="demo"),
                    id="start",
                )
                yield Static("Demo server fault", classes="section")
                options = [("none — a healthy server", NO_FAULT)]
                options += [(f"{name} — {desc}", name) for name, desc in self.faults.items()]
                yield Select(options, value=self.fault or NO_FAULT, allow_blank=False, id="fault")
            with Vertical(id="home-profiles"):
                yield Static("Recent profiles", classes="section")
                if self.profiles:
                    yield OptionList(*[Option(n, id=f"profile:{n}") for n in self.profiles],
                                     id="profiles")
                else:
                    yield Static("No saved profiles yet. Save one from the setup form (^S).",
                                 classes="note")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#start", OptionList).focus()

    def chosen_fault(self) -> str | None:
        """The fault picked for the demo server, None for a healthy one."""
        value = self.query_one("#fault", Select).value
        return None if value in (NO_FAULT, Select.BLANK) else str(value)

    @property
    def _app(self) -> SourceDoctorApp:
        return cast("SourceDoctorApp", self.app)

    def action_start_demo(self) -> None:
        """Start the demo server with the chosen fault."""
        self._app.action_start_demo(self.chosen_fault())

    @on(OptionList.OptionSelected, "#start")
    def _start(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id == "new":
            self._app.action_new_connection()
        elif option_id.startswith(NEW_PREFIX):
            self._app.action_new_connection(option_id.removeprefix(NEW_PREFIX))
        elif event.option.id == "open":
            self._app.action_open_report()
        elif event.option.id == "fleet":
            self._app.action_fleet()
        elif event.option.id == "demo":
            self.action_start_demo()

    @on(OptionList.OptionSelected, "#profiles")
    def _profile(self, event: OptionList.OptionSelected) -> None:
        name = (event.option.id or "").removeprefix("profile:")
        self._app.action_open_profile(name)
