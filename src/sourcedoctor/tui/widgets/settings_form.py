"""The setup form, generated from the connector's settings model (any connector's).

Each pydantic field becomes one labelled input: its description is the help line, its aliases
(the platform's own names, e.g. ``userName``, ``s3AccessKey / accessKeyId``) are shown as a hint,
secrets (SecretStr, or ``json_schema_extra={"secret": True}``) are masked, a ``Literal`` is a
choice. Required fields, fields the platform names and secrets come first; the rest sit under
"Advanced" (unless the model marks them ``json_schema_extra={"essential": True}``; a ``"label"``
there names the field when its words are not enough). For SFTP the key path and the key text
share one box ("a path or the pasted key"): users have either.
"""

from __future__ import annotations

import os
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, SecretStr, ValidationError
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Collapsible, Input, Label, Select, Static

from ...report.escape import for_terminal

#: Always shown first when a model has them (besides required, platform-named and secret fields).
ESSENTIAL = ("host", "port", "user", "password", "key", "passphrase", "folder", "max_connections",
             "table")  # a database check needs its table more than anything under "Advanced"
KEY_FIELDS = ("key_path", "key_content")
PASTE_NEWLINE = "\\n"


@dataclass(frozen=True)
class FieldSpec:
    """One form field: id, label, platform hint, help line, kind (text/int/secret/bool/key/
    choice), whether it is shown before "Advanced", and a choice's values."""

    name: str
    label: str
    hint: str
    help: str
    kind: str
    default: Any = None
    essential: bool = False
    choices: tuple[str, ...] = ()
    #: Shown greyed in an empty box: what an empty field means (``5432``), when that is not a
    #: default the form may fill in (a pasted connection string's value would then lose).
    placeholder: str = ""


def _kind(annotation: Any, extra: Any) -> str:
    args = typing.get_args(annotation) or (annotation,)
    if SecretStr in args or (isinstance(extra, dict) and extra.get("secret")):
        return "secret"
    if typing.get_origin(annotation) is Literal:
        return "choice"
    if bool in args:
        return "bool"
    if int in args:
        return "int"
    return "text"


#: Words written in capitals in labels ("Endpoint URL", "Access key ID", "CA bundle").
_ACRONYMS = {"url": "URL", "id": "ID", "ca": "CA", "aws": "AWS", "dns": "DNS", "tls": "TLS",
             "ssh": "SSH", "sftp": "SFTP", "s3": "S3", "kms": "KMS", "ssl": "SSL", "sas": "SAS",
             "uri": "URI", "ims": "IMS", "ftp": "FTP", "ftps": "FTPS", "http": "HTTP",
             "https": "HTTPS", "json": "JSON", "jwt": "JWT", "ip": "IP"}


def label_for(name: str) -> str:
    """``endpoint_url`` → "Endpoint URL": the settings name as words, acronyms in capitals."""
    words = [_ACRONYMS.get(w, w) for w in name.split("_")]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def _aliases(name: str, info: Any) -> list[str]:
    """The platform's names for a field: its alias, then its other validation aliases."""
    found = [info.alias] if info.alias else []
    if isinstance(info.validation_alias, AliasChoices):
        found += [str(c) for c in info.validation_alias.choices if isinstance(c, str)]
    elif isinstance(info.validation_alias, str):
        found.append(info.validation_alias)
    return list(dict.fromkeys(a for a in found if a != name))


def has_key_box(model: type[BaseModel]) -> bool:
    """Whether the model's key path and key text are shown as one "Private key" box (SFTP)."""
    return all(k in model.model_fields for k in KEY_FIELDS)


def form_ids(model: type[BaseModel]) -> dict[str, str]:
    """{settings name or platform alias: form field id} for every name that is not its own id."""
    ids: dict[str, str] = {}
    for name, info in model.model_fields.items():
        for alias in _aliases(name, info):
            ids[alias] = name
    if has_key_box(model):
        for name in KEY_FIELDS:
            ids[name] = "key"
            ids.update({alias: "key" for alias in _aliases(name, model.model_fields[name])})
    return ids


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """Form fields for ``model`` in the model's order (the key box where the key path is)."""
    specs: list[FieldSpec] = []
    key_box = has_key_box(model)
    for name, info in model.model_fields.items():
        if key_box and name in KEY_FIELDS:
            if name == KEY_FIELDS[0]:
                content = model.model_fields["key_content"]
                specs.append(FieldSpec(
                    name="key",
                    label="Private key",
                    hint=content.alias or "",
                    help="A key file path, or the key text pasted (raw, base64 or with literal \\n).",
                    kind="key",
                    essential=True,
                ))
            continue
        aliases = _aliases(name, info)
        extra = info.json_schema_extra
        kind = _kind(info.annotation, extra)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        specs.append(FieldSpec(
            name=name,
            # A model's own title or label wins over its name ("SAS URI", not "Sas uri").
            label=info.title or str(extra.get("label") or "") or label_for(name),
            hint=" / ".join(aliases),
            help=info.description or "",
            kind=kind,
            default=None if info.is_required() else info.default,
            # What the platform's connection form asks for, or what a run cannot do without.
            # ``json_schema_extra={"essential": True}``: a field a user must fill or choose
            # (Azure's container, FTP's TLS mode) though it is optional in the model.
            essential=(name in ESSENTIAL or info.is_required() or bool(aliases)
                       or kind == "secret" or bool(extra.get("essential"))),
            choices=tuple(map(str, typing.get_args(info.annotation))) if kind == "choice" else (),
            placeholder=str(extra.get("placeholder", "")) if isinstance(extra, dict) else "",
        ))
    return specs


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
        ids = form_ids(model)
        first = next(iter(model.model_fields))  # a model-wide error is shown on the first field
        for err in exc.errors():
            loc = err.get("loc", ())
            name = ids.get(str(loc[0]), str(loc[0])) if loc else first
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
            elif spec.kind == "choice":
                value = str(self._value) if self._value in spec.choices else spec.choices[0]
                yield Select([(c, c) for c in spec.choices], value=value, allow_blank=False,
                             id=f"field-{spec.name}", compact=True)
            elif spec.kind == "key":
                yield KeyInput(value=str(self._value or ""), id=f"field-{spec.name}",
                               password=True, compact=True, placeholder="path or pasted key")
            else:
                placeholder = spec.placeholder or (
                    "" if spec.default in (None, "") else str(spec.default))
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
        # The message may quote what was typed or pasted: a Text, never markup; controls shown.
        line.update(Text(f"✗ {self.spec.label}: {for_terminal(message)}") if message
                    else self.help_line)
        line.set_class(bool(message), "-error")


class SettingsForm(Vertical):
    """All fields for a settings model; ``values()`` gives what to validate."""

    def __init__(self, model: type[BaseModel], initial: dict[str, Any] | None = None) -> None:
        super().__init__(id="settings-form")
        self.model = model
        self.specs = field_specs(model)
        self._ids = form_ids(model)
        self._initial = dict(initial or {})
        self.touched: set[str] = set()

    def _initial_value(self, spec: FieldSpec) -> str | bool | None:
        if spec.kind == "key":
            value = self._initial.get("key_path") or self._initial.get("key_content")
        else:
            value = self._initial.get(spec.name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        # A field with a placeholder shows its default greyed instead of filling it in: a filled
        # box would override what a pasted connection string says (MySQL's Port=).
        if (value is None and spec.kind != "secret" and not spec.placeholder
                and spec.default not in (None, "")):
            return spec.default if spec.kind == "bool" else str(spec.default)
        return value

    def compose(self) -> ComposeResult:
        essential = [s for s in self.specs if s.essential]
        advanced = [s for s in self.specs if not s.essential]
        for spec in essential:
            yield FormField(spec, self._initial_value(spec))
            if spec.kind == "key":
                yield Static("", id="key-report", classes="key-report")
        with Collapsible(title="Advanced", id="advanced", collapsed=True):
            for spec in advanced:
                yield FormField(spec, self._initial_value(spec))

    def has_field(self, name: str) -> bool:
        """Whether the form shows a field with this id."""
        return any(s.name == name for s in self.specs)

    def form_id(self, name: str) -> str:
        """The form field id for a settings name or platform alias."""
        return self._ids.get(name, name)

    def raw(self, name: str) -> str | bool:
        """The current raw value of one field."""
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, Select):
            return str(widget.value)
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
                # As typed, like a CLI argument: a stray space is judged by the settings and the
                # checks (the platform's form would keep it too), never dropped silently here.
                out[spec.name] = value
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
        name = self.form_id(name)
        spec = next((s for s in self.specs if s.name == name), None)
        matches = self.query(f"#field-{name}")
        if spec is None or not matches:
            return False
        widget = matches.first()
        if not spec.essential:
            self.query_one("#advanced", Collapsible).collapsed = False
        widget.focus()
        self.call_after_refresh(widget.scroll_visible)
        return True
