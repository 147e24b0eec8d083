"""The Textual app: owns the demo server and the profile store, and routes between screens."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ..connectors import UnknownConnector
from ..connectors.sftp.settings import SftpSettings
from ..model import Report
from .connectors import DEFAULT_CONNECTOR, connector_named, connector_of, installed
from .lazy_engine import warm_up
from .messages import DemoFailed, DemoStarted
from .profiles import ProfileStore
from .screens.diagnostics import DiagnosticsScreen
from .screens.help import HelpScreen
from .screens.home import HomeScreen
from .screens.open_report import OpenReportScreen
from .screens.setup import SetupScreen


def demo_faults() -> dict[str, str]:
    """The demo server's named faults (name → description)."""
    # Imported here, not at the top: the server pulls in asyncssh, which `import app` need not pay.
    from ..connectors.sftp.demo.server import FAULTS

    return FAULTS


def target_for_fault(fault: str | None, faults: dict[str, str]) -> str:
    """Some faults only show against a platform's rules (their description names it)."""
    return "aep" if fault and "aep" in faults.get(fault, "") else "generic"


class SourceDoctorApp(App[None]):
    """``demo`` starts the embedded server (with ``fault``); ``settings`` (any connector's)
    prefill that connector's form;
    ``report`` opens a finished report. ``profiles`` points at another profile file (tests)."""

    CSS_PATH = "app.tcss"
    TITLE = "sourcedoctor"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 - Textual's type
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", priority=True),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        *,
        demo: bool = False,
        fault: str | None = None,
        settings: BaseModel | None = None,
        target: str = "generic",
        timeout: float = 10.0,
        report: Report | None = None,
        profiles: ProfileStore | None = None,
    ) -> None:
        super().__init__()
        self.demo = demo
        self.fault = fault
        self.initial_settings = settings
        self.target = target
        self.timeout = timeout
        self.initial_report = report
        self.profiles = profiles or ProfileStore()
        self.last_report: Report | None = report
        self.demo_settings: SftpSettings | None = None
        self.faults = demo_faults()

    def on_mount(self) -> None:
        self._warm_up()
        self.push_screen(HomeScreen(self.profiles.names(), self.faults, self.fault))
        if self.demo:
            self.action_start_demo(self.fault)
        elif self.initial_settings is not None:
            self.push_screen(SetupScreen(self.initial_settings.model_dump(), self.target,
                                         self.timeout,
                                         connector=connector_of(self.initial_settings)))
        elif self.initial_report is not None:
            self.push_screen(DiagnosticsScreen(report=self.initial_report))

    @work(thread=True, group="warm-up")
    def _warm_up(self) -> None:
        # Import the engine while the user reads the first screen, not when they press a key.
        warm_up()

    # --- actions (all reachable from the command palette) --------------------------------------

    def action_help(self) -> None:
        """Show every key."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_new_connection(self, connector: str = DEFAULT_CONNECTOR) -> None:
        """An empty setup form for ``connector`` (a registry name; SFTP by default)."""
        self._home()
        self.push_screen(SetupScreen(target=self.target, timeout=self.timeout,
                                     connector=connector))

    def action_fleet(self) -> None:
        """The fleet screen: many connections from a TOML/CSV file."""
        from .screens.fleet import FleetScreen

        self._home()
        self.push_screen(FleetScreen())

    def action_open_profile(self, name: str) -> None:
        """The setup form filled from a saved profile (secrets from the keyring when stored)."""
        try:
            values, target = self.profiles.load(name)
            connector = self.profiles.connector(name)
        except KeyError:
            self.notify(f"No profile named {name!r}.", severity="error")
            return
        try:
            connector_named(connector)
        except UnknownConnector as exc:
            self.notify(f"Profile {name!r}: {exc}", severity="error")
            return
        self._home()
        self.push_screen(SetupScreen(values, target, self.timeout,
                                     note=f"Profile {name!r} · secrets come from the keyring "
                                          "when they were stored there",
                                     connector=connector))

    def action_open_report(self) -> None:
        """Ask for a JSON report and show it on the diagnostics screen."""

        def opened(path: str | None) -> None:
            if not path:
                return
            from ..report import load_report

            try:
                report = load_report(path)
            except ValueError as exc:  # ReportLoadError is a ValueError: one line, no traceback
                self.notify(f"✗ {exc}", severity="error", timeout=8)
                return
            self.last_report = report
            self.push_screen(DiagnosticsScreen(report=report))

        self.push_screen(OpenReportScreen(), opened)

    def action_start_demo(self, fault: str | None = None) -> None:
        """Start (or restart) the embedded demo server with ``fault`` and open its form."""
        if fault is not None and fault not in self.faults:
            self.notify(f"Unknown demo fault {fault!r}; choose one on the Home screen.",
                        severity="error")
            return
        self.fault = fault
        self._home()
        self._serve_demo(fault)

    @work(exclusive=True, group="demo")
    async def _serve_demo(self, fault: str | None) -> None:
        # The server lives in this worker, on the app's loop, until the app exits or the fault
        # changes (exclusive: the old server is cancelled and closed first).
        from ..connectors.sftp.demo.server import DemoServer  # already imported by demo_faults()

        try:
            async with DemoServer(fault=fault) as demo:
                self.post_message(DemoStarted(demo.settings(), fault))
                await asyncio.Event().wait()
        except OSError as exc:
            self.post_message(DemoFailed(f"could not listen on 127.0.0.1: {exc.strerror}"))

    def on_demo_started(self, message: DemoStarted) -> None:
        self.demo_settings = message.settings
        # An explicit --target wins; otherwise the fault's own platform (kbdint-only → aep).
        target = (self.target if self.target != "generic"
                  else target_for_fault(message.fault, self.faults))
        fault = message.fault or "none (healthy server)"
        note = (f"Demo server on 127.0.0.1:{message.settings.port} · fault: {fault} · "
                "press ^R to diagnose")
        self._home()
        self.push_screen(SetupScreen(message.settings.model_dump(), target, self.timeout, note))

    def on_demo_failed(self, message: DemoFailed) -> None:
        self.notify(f"✗ Demo server: {message.reason}", severity="error", timeout=10)

    # --- command palette ------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for connector in installed():
            yield SystemCommand(f"New connection ({connector.title})", "Open an empty setup form",
                                partial(self.action_new_connection, connector.name))
        yield SystemCommand("Open a report", "Show a saved JSON report", self.action_open_report)
        yield SystemCommand("Help: keys", "Every key of every screen", self.action_help)
        for name, description in self.faults.items():
            yield SystemCommand(f"Demo: {name}", description,
                                partial(self.action_start_demo, name))
        yield SystemCommand("Demo: healthy server", "The demo server without a fault",
                            lambda: self.action_start_demo(None))
        for name in self.profiles.names():
            yield SystemCommand(f"Profile: {name}", "Open this saved profile",
                                partial(self.action_open_profile, name))
        # Every key of the current screen, by its description.
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                action = binding.action
                yield SystemCommand(
                    f"{binding.description}", f"This screen's key: {binding.key}",
                    partial(screen.run_action, action),
                )


def make_app(**kwargs: Any) -> SourceDoctorApp:
    """One factory for the CLI and the tests."""
    profiles = kwargs.pop("profiles_path", None)
    if profiles is not None:
        kwargs["profiles"] = ProfileStore(Path(profiles))
    return SourceDoctorApp(**kwargs)
