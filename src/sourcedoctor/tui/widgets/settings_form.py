"""The setup form, generated from the connector's settings model.

Each pydantic field becomes one labelled input: its description is the help line, its alias
(the platform's own name, e.g. ``userName``) is shown as a hint, SecretStr fields are masked. The
key path and the key text share one box ("a path or the pasted key"): users have either.
"""

from __future__ import annotations

import os
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Collapsible, Input, Label, Static

from ..fieldmap import form_field

#: Fields shown first; the rest sit under "Advanced". Order is the order users think in.
ESSENTIAL = ("host", "port", "user", "password", "key", "passphrase", "folder", "max_connections")
KEY_FIELDS = ("key_path", "key_content")
PASTE_NEWLINE = "\\n"


@dataclass(frozen=True)
class FieldSpec:
    """One form field: id, label, platform hint, help line, kind (text/int/secret/bool/key)."""

    name: str
    label: str
    hint: str
    help: str
    kind: str
    default: Any = None


def _kind(annotation: Any) -> str:
    args = typing.get_args(annotation) or (annotation,)
    if SecretStr in args:
        return "secret"
    if bool in args:
        return "bool"
    if int in args:
        return "int"
    return "text"


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """Form fields for ``model`` in display order (essential first, then the model's order)."""
    specs: dict[str, FieldSpec] = {}
    for name, info in model.model_fields.items():
        if name in KEY_FIELDS:
            continue
        default = None if info.is_required() else info.default
        specs[name] = FieldSpec(
            name=name,
            label=name.replace("_", " ").capitalize(),
            hint=info.alias or "",
            help=info.description or "",
            kind=_kind(info.annotation),
            default=default,
        )
    if all(k in model.model_fields for k in KEY_FIELDS):
        content = model.model_fields["key_content"]
        specs["key"] = FieldSpec(
            name="key",
            label="Private key",
            hint=content.alias or "",
            help="A key file path, or the key text pasted (raw, base64 or with literal \\n).",
            kind="key",
        )
    ordered = [specs[n] for n in ESSENTIAL if n in specs]
    ordered += [s for n, s in specs.items() if n not in ESSENTIAL]
    return ordered


class KeyInput(Input):
    """A masked input that keeps a whole pasted key: newlines become a literal ``\\n``."""

    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            text = event.text.replace("\r\n", "\n").strip("\n").replace("\n", PASTE_NEWLINE)
            self.insert_text_at_cursor(text)
        # Input's own handler (which keeps only the first line) must not run after this one.
        event.prevent_default()
        event.stop()


def key_values(raw: str) -> dict[str, str]:
    """Split the key box into ``key_path`` (an existing file) or ``key_content`` (the text)."""
    raw = raw.strip()
    if not raw:
        return {}
    if os.path.isfile(os.path.expanduser(raw)):
        return {"key_path": raw}
    if PASTE_NEWLINE in raw and ("-----BEGIN" in raw or "PuTTY-User-Key-File" in raw):
        raw = raw.replace(PASTE_NEWLINE, "\n")  # undo what KeyInput did to a pasted key
    return {"key_content": raw}


def field_errors(model: type[BaseModel], values: dict[str, Any]) -> dict[str, str]:
    """Every validation error as {form field id: message} (pydantic's first per field)."""
    try:
        model.model_validate(values)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            loc = err.get("loc", ())
            name = form_field(str(loc[0])) if loc else "host"
            message = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
            errors.setdefault(name, "is required" if err.get("type") == "missing" else message)
        return errors
    return {}


class FormField(Vertical):
    """Label with the platform's name as a hint, the input, and a help/error line beneath."""

    def __init__(self, spec: FieldSpec, value: str | bool | None) -> None:
        super().__init__(id=f"row-{spec.name}", classes="form-field")
        self.spec = spec
        self._value = value

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Horizontal(classes="field-line"):
            yield Label(spec.label, classes="field-label")
            if spec.kind == "bool":
                yield Checkbox(value=bool(self._value), id=f"field-{spec.name}", compact=True)
            elif spec.kind == "key":
                yield KeyInput(value=str(self._value or ""), id=f"field-{spec.name}",
                               password=True, compact=True, placeholder="path or pasted key")
            else:
                placeholder = "" if spec.default in (None, "") else str(spec.default)
                yield Input(
                    value="" if self._value is None else str(self._value),
                    id=f"field-{spec.name}",
                    password=spec.kind == "secret",
                    type="integer" if spec.kind == "int" else "text",
                    placeholder=placeholder,
                    compact=True,
                )
        yield Static(self.help_line, id=f"help-{spec.name}", classes="field-help")

    @property
    def help_line(self) -> str:
        """The field's description, led by the platform's name for it when it has one."""
        spec = self.spec
        return f"{spec.hint}: {spec.help}" if spec.hint else spec.help

    def show_error(self, message: str | None) -> None:
        """Replace the help line by ``✗ message`` (or restore the help)."""
        line = self.query_one(f"#help-{self.spec.name}", Static)
        line.update(f"✗ {self.spec.label}: {message}" if message else self.help_line)
        line.set_class(bool(message), "-error")


class SettingsForm(Vertical):
    """All fields for a settings model; ``values()`` gives what to validate."""

    def __init__(self, model: type[BaseModel], initial: dict[str, Any] | None = None) -> None:
        super().__init__(id="settings-form")
        self.model = model
        self.specs = field_specs(model)
        self._initial = dict(initial or {})
        self.touched: set[str] = set()

    def _initial_value(self, spec: FieldSpec) -> str | bool | None:
        if spec.kind == "key":
            value = self._initial.get("key_path") or self._initial.get("key_content")
        else:
            value = self._initial.get(spec.name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None and spec.kind != "secret" and spec.default not in (None, ""):
            return spec.default if spec.kind == "bool" else str(spec.default)
        return value

    def compose(self) -> ComposeResult:
        essential = [s for s in self.specs if s.name in ESSENTIAL]
        advanced = [s for s in self.specs if s.name not in ESSENTIAL]
        for spec in essential:
            yield FormField(spec, self._initial_value(spec))
            if spec.kind == "key":
                yield Static("", id="key-report", classes="key-report")
        with Collapsible(title="Advanced", id="advanced", collapsed=True):
            for spec in advanced:
                yield FormField(spec, self._initial_value(spec))

    def raw(self, name: str) -> str | bool:
        """The current raw value of one field."""
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, Checkbox):
            return widget.value
        assert isinstance(widget, Input)
        return widget.value

    def values(self) -> dict[str, Any]:
        """Field values ready for the settings model (empty boxes left out, key split)."""
        out: dict[str, Any] = {}
        for spec in self.specs:
            value = self.raw(spec.name)
            if spec.kind == "key":
                out.update(key_values(str(value)))
            elif spec.kind == "bool":
                if value != bool(spec.default):
                    out[spec.name] = value
            elif isinstance(value, str) and value.strip():
                out[spec.name] = value.strip() if spec.kind != "secret" else value
        return out

    def validate_all(self, show_untouched: bool = False) -> dict[str, str]:
        """Validate, show each error under its field (touched fields only unless asked)."""
        errors = field_errors(self.model, self.values())
        for row in self.query(FormField):
            name = row.spec.name
            visible = show_untouched or name in self.touched
            row.show_error(errors.get(name) if visible else None)
        return errors

    def focus_field(self, name: str) -> bool:
        """Focus field ``name`` (opening "Advanced" if it lives there); False if unknown."""
        name = form_field(name)
        matches = self.query(f"#field-{name}")
        if not matches:
            return False
        widget = matches.first()
        if name not in ESSENTIAL:
            self.query_one("#advanced", Collapsible).collapsed = False
        widget.focus()
        self.call_after_refresh(widget.scroll_visible)
        return True
