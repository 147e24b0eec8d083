"""A connector's settings model read as options: one rule for the CLI and the fleet file.

Each pydantic field is one option: its flag from ``json_schema_extra["cli"]`` (written by
:func:`sourcedoctor.config.fields.cli`; else the field name with dashes), its help from the
field's description. A field is a secret when it is marked so or typed ``SecretStr``; a
``url_only`` field (the bucket of ``s3://bucket/…``) has no option of its own. Rendering the
options as click options stays in :mod:`sourcedoctor.cli.model_options`; this module needs no
click, so the fleet reads the same options without it.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class ModelOption:
    """One settings field as the CLI shows it."""

    field: str
    flag: str
    secret: bool
    help: str
    #: ``--NAME-stdin`` reads the whole of standard input (a JSON document), not one line.
    multiline: bool = False

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


def field_extra(info: FieldInfo) -> dict[str, Any]:
    """The markers a settings field carries in ``json_schema_extra`` (empty when none)."""
    extra = info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def annotation_members(annotation: Any) -> tuple[Any, ...]:
    """The members of a union annotation (``str | None`` → ``(str, NoneType)``), else itself."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return typing.get_args(annotation)
    return (annotation,)


def is_secret(info: FieldInfo) -> bool:
    """Marked secret, or a ``SecretStr`` field (optional or not)."""
    if field_extra(info).get("secret"):
        return True
    return SecretStr in annotation_members(info.annotation)


def model_options(model: type[BaseModel], *, skip: Iterable[str] = ()) -> list[ModelOption]:
    """The options of ``model``'s fields, in declaration order (``skip`` leaves fields out, and
    so does ``json_schema_extra["url_only"]``: a field the URL argument always gives, such as the
    bucket of ``s3://bucket/…``, is not repeated as an option)."""
    out = []
    for name, info in model.model_fields.items():
        extra = field_extra(info)
        if name in skip or extra.get("url_only"):
            continue
        flag = str(extra.get("cli") or "--" + name.replace("_", "-"))
        out.append(ModelOption(name, flag, is_secret(info), info.description or "",
                               bool(extra.get("multiline"))))
    return out
