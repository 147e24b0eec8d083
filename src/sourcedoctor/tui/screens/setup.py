"""Setup form: one connector's fields, validated as you type (for SFTP: live key inspection)."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Footer, Input, Select, Static

from ...config.urls import SettingsError
from ...targets import TARGETS, get_target
from ..connectors import DEFAULT_CONNECTOR, connector_named, redacted_url
from ..messages import ConnectionTarget, KeyInspected
from ..widgets.settings_form import SettingsForm
from .profile_name import ProfileNameScreen

if TYPE_CHECKING:
    from ...connectors.base import Connector


def key_report_text(report: Any) -> Text:
    """One or two lines about an inspected key, then each finding with its first fix step."""
    text = Text()
    parts = [str(getattr(report, a)) for a in ("format", "key_type") if getattr(report, a, None)]
    bits = getattr(report, "bits", None)
    if bits:
        parts.append(f"{bits} bits")
    text.append("Key: " + (", ".join(parts) or "not recognised"), style="bold")
    description = getattr(report, "description", "")
    if description:
        text.append(f" · {description}")
    fingerprint = getattr(report, "fingerprint_sha256", None)
    if fingerprint:
        text.append(f"\n  {fingerprint}", style="dim")
    for finding in getattr(report, "findings", ()):
        symbol = "✗" if finding.severity.label in ("fail", "error") else (
            "!" if finding.severity.label == "warn" else "·")
        text.append(f"\n{symbol} {finding.code}: {finding.summary}")
        if finding.fix:
            text.append(f"\n    fix: {finding.fix[0]}", style="italic")
    return text


class SetupScreen(Screen[None]):
    """Fill in (or correct) one connector's connection, then run the diagnosis.

    ``connector`` is a registry name ("sftp", "s3") or the connector itself; the form is generated
    from its settings model and the settings are built by it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "diagnose", "Diagnose", priority=True),
        Binding("ctrl+s", "save_profile", "Save profile", priority=True),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, initial: dict[str, Any] | None = None, target: str = "generic",
                 timeout: float = 10.0, note: str = "",
                 connector: str | Connector = DEFAULT_CONNECTOR) -> None:
        super().__init__()
        self.connector = connector_named(connector) if isinstance(connector, str) else connector
        self._initial = dict(initial or {})
        self._target = target
        self._timeout = timeout
        self._note = note
        self._key_timer: Timer | None = None
        #: The last key inspection (a KeyReport), for the panel and for tests.
        self.key_report: Any | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"New connection: {self.connector.title} · fields marked by the "
                     "platform's names", id="title")
        if self._note:
            yield Static(self._note, id="setup-note")
        with VerticalScroll(id="form-scroll"):
            with Horizontal(id="target-line", classes="field-line"):
                yield Static("Target platform", classes="field-label")
                yield Select(
                    [(name, name) for name in TARGETS],
                    value=self._target, allow_blank=False, id="field-target", compact=True,
                )
            yield SettingsForm(self.connector.settings_model, self._initial)
            with Horizontal(id="setup-buttons"):
                yield Button("Diagnose  ^R", id="diagnose", variant="primary", compact=True)
                yield Button("Save profile  ^S", id="save", compact=True)
            yield Static("", id="setup-status")
        yield Footer()

    def on_mount(self) -> None:
        form = self.query_one(SettingsForm)
        if self._initial:
            form.touched.update(s.name for s in form.specs)
            form.validate_all()
            self.query_one("#diagnose", Button).focus()
            self._inspect_key_soon()
        else:
            self.query_one(f"#field-{form.specs[0].name}").focus()

    # --- form state ---------------------------------------------------------------------------

    @property
    def target(self) -> str:
        value = self.query_one("#field-target", Select).value
        return str(value) if isinstance(value, str) else "generic"

    def connection(self) -> ConnectionTarget | None:
        """Valid settings from the form, or None after showing every error."""
        form = self.query_one(SettingsForm)
        errors = form.validate_all(show_untouched=True)
        status = self.query_one("#setup-status", Static)
        try:
            settings = self.connector.settings(**form.values())
        except SettingsError as exc:
            first = next(iter(errors), exc.field)
            status.update(f"✗ {len(errors) or 1} field(s) to fix; first: {exc.field}: "
                          f"{exc.message}")
            form.focus_field(first)
            return None
        status.update("")
        return ConnectionTarget(settings, self.target, self._timeout)

    def focus_field(self, name: str) -> None:
        """Focus the field behind a failure (used by the diagnostics screen's ``e``)."""
        form = self.query_one(SettingsForm)
        if form.focus_field(name):
            self.query_one("#setup-status", Static).update(
                f"Edit {name}, then press ^R to diagnose again.")

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _field_changed(self, event: Input.Changed | Checkbox.Changed | Select.Changed) -> None:
        widget_id = event.control.id or ""
        if not widget_id.startswith("field-") or widget_id == "field-target":
            return
        name = widget_id.removeprefix("field-")
        form = self.query_one(SettingsForm)
        form.touched.add(name)
        form.validate_all()
        if name in ("key", "passphrase"):
            self._inspect_key_soon()

    @on(Select.Changed, "#field-target")
    def _target_changed(self) -> None:
        self._inspect_key_soon()

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()

    @on(Button.Pressed, "#diagnose")
    def _diagnose_pressed(self) -> None:
        self.action_diagnose()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save_profile()

    # --- actions ------------------------------------------------------------------------------

    def action_diagnose(self) -> None:
        """Validate and open the diagnostics screen."""
        conn = self.connection()
        if conn is None:
            return
        from .diagnostics import DiagnosticsScreen

        self.app.push_screen(DiagnosticsScreen(conn))

    def action_save_profile(self) -> None:
        """Ask for a name, then save (secrets only to the system keyring)."""
        conn = self.connection()
        if conn is None:
            return
        from ..profiles import suggested_profile_name

        settings = self._with_pasted_values(conn.settings)
        # Always a name the store accepts, whatever the connector's URL holds (?, =, :, /).
        default = suggested_profile_name(settings, redacted_url(settings))

        def save(name: str | None) -> None:
            if not name:
                return
            from ..profiles import ProfileStore

            store: ProfileStore = getattr(self.app, "profiles", None) or ProfileStore()
            try:
                saved = store.save(name, settings, conn.target, time.time(),
                                   connector=self.connector.name)
            except (ValueError, OSError) as exc:
                self.query_one("#setup-status", Static).update(f"✗ {exc}")
                return
            self.query_one("#setup-status", Static).update(saved.message)
            self.notify(saved.message, timeout=8)

        self.app.push_screen(ProfileNameScreen(default), save)

    def _with_pasted_values(self, settings: Any) -> Any:
        """``settings`` with what a pasted connection string sets (host, port, user, database, TLS
        mode) copied into the empty fields, so that a saved profile holds the connection even
        when the string itself (a secret) cannot be stored; secrets are never copied."""
        if getattr(settings, "connection_string", None) is None:
            return settings
        from ..profiles import secret_fields

        form = self.query_one(SettingsForm)
        values = form.values()
        secrets = set(secret_fields(settings))
        shown = self.connector.target_block(settings, "generic")
        for name, value in shown.items():
            field = form.form_id(name)
            if (field in type(settings).model_fields and field not in secrets and field not in values
                    and value not in (None, "", "set")):
                values[field] = value
        try:
            return self.connector.settings(**values)
        except SettingsError:
            return settings  # the string's values did not validate as fields: keep what was typed

    # --- live key inspection ------------------------------------------------------------------

    def _inspect_key_soon(self) -> None:
        if not self.query_one(SettingsForm).has_field("key"):
            return  # only a connector with a private key box (SFTP) has a key to inspect
        # Debounced: a pasted key fires one Changed per keystroke in some terminals.
        if self._key_timer is not None:
            self._key_timer.stop()
        self._key_timer = self.set_timer(0.3, self._start_key_inspection)

    def _start_key_inspection(self) -> None:
        form = self.query_one(SettingsForm)
        key = str(form.raw("key")).strip()
        panel = self.query_one("#key-report", Static)
        if not key:
            panel.update("")
            panel.display = False
            return
        panel.display = True
        panel.update("Inspecting key…")
        passphrase = str(form.raw("passphrase")) or None
        self._inspect_key(key, passphrase, self.target)

    @work(thread=True, exclusive=True, group="key-inspection")
    def _inspect_key(self, key: str, passphrase: str | None, target: str) -> None:
        # Imported here, in the worker's thread: cryptography is slow to load.
        from ...keys import KeySourceError, inspect_key, read_key_source
        from ..widgets.settings_form import key_values

        values = key_values(key)
        name = "key"
        try:
            if "key_path" in values:
                name = values["key_path"]
                # The bounded reader: a FIFO or /dev/zero typed here must not hang the worker.
                # "-" means standard input to read_key_source; here it can only be a file name.
                path = "./-" if name == "-" else os.path.expanduser(name)
                data: bytes = read_key_source(path)
            else:
                data = values["key_content"].encode()
            report = inspect_key(data, passphrase=passphrase, target=get_target(target),
                                 source_name=name)
        except KeySourceError as exc:
            self.post_message(KeyInspected(None, f"key_path: {exc}"))
            return
        except Exception as exc:  # the inspector's bug must not take the form down
            self.post_message(KeyInspected(None, f"key inspection failed: {type(exc).__name__}"))
            return
        self.post_message(KeyInspected(report))

    def on_key_inspected(self, message: KeyInspected) -> None:
        self.key_report = message.report
        panel = self.query_one("#key-report", Static)
        panel.display = True
        if message.report is None:
            panel.update(message.reason)
        else:
            panel.update(key_report_text(message.report))
