"""Settings models meet users here: pydantic's first error as one ``SettingsError`` naming the field.

Every connector's settings are built through :func:`build`, so a wrong value reads the same
whatever the source: ``error: port: must be between 1 and 65535`` — the field by its settings name
(a platform alias such as ``userName`` or ``bucketName`` is translated back), the reason in words.
"""

from __future__ import annotations

import typing
from typing import Any, Literal, TypeVar

from pydantic import AliasChoices, BaseModel, ValidationError

from .urls import SettingsError

ModelT = TypeVar("ModelT", bound=BaseModel)


def settings_error(exc: ValidationError, model: type[BaseModel]) -> SettingsError:
    """The first pydantic error as a SettingsError naming the field (by its settings name)."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ())) or "settings"
    by_alias: dict[str, str] = {}
    for name, info in model.model_fields.items():
        if info.alias:
            by_alias[info.alias] = name
        if isinstance(info.validation_alias, AliasChoices):
            by_alias.update({str(c): name for c in info.validation_alias.choices})
    field = by_alias.get(field, field)
    msg = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
    if err.get("type") == "missing":
        msg = "is required"
    elif err.get("type") == "extra_forbidden":
        msg = "is not a setting sourcedoctor knows (check the spelling)"
    elif err.get("type") == "literal_error" and field in model.model_fields:
        choices = _literal_choices(model.model_fields[field].annotation)
        if choices:
            msg = f"must be one of {', '.join(choices)}"
    return SettingsError(field, msg)


def _literal_choices(annotation: Any) -> list[str]:
    if typing.get_origin(annotation) is Literal:
        return [str(v) for v in typing.get_args(annotation)]
    for arg in typing.get_args(annotation):
        found = _literal_choices(arg)
        if found:
            return found
    return []


def build(model: type[ModelT], values: dict[str, Any]) -> ModelT:
    """Validate ``values`` (None means "not given") as ``model``; SettingsError naming the field."""
    try:
        return model(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        raise settings_error(exc, model) from None
