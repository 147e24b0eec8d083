"""A connector's settings model rendered as CLI options — declared once, shown as flags and as the
TUI form alike.

Each pydantic field becomes one option (:func:`sourcedoctor.config.model_fields.model_options`:
its name, help and whether it is a secret), typed from the annotation here (a bool is a flag, a
``Literal`` a choice, numbers are typed). A secret (``SecretStr`` or
``json_schema_extra["secret"]``) never becomes an argv value: it becomes ``--NAME-env VAR`` and
``--NAME-stdin`` (the vocabulary every connector shares: ``--secret-access-key-env``,
``--password-env``), and at most one secret may come from standard input.
"""

from __future__ import annotations

import os
import sys
import typing
from collections.abc import Callable, Iterable
from typing import Any, Literal

import click
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from ..config.model_fields import annotation_members, model_options
from ..config.urls import SettingsError

#: Longest secret read from standard input (a key or token; anything bigger is not a secret).
STDIN_SECRET_LIMIT = 1 << 20


def _click_type(info: FieldInfo) -> tuple[Any, bool]:
    """(click type, is_flag) for a field's annotation."""
    members = [m for m in annotation_members(info.annotation) if m is not type(None)]
    kind = members[0] if len(members) == 1 else str
    if typing.get_origin(kind) is Literal:
        return click.Choice([str(v) for v in typing.get_args(kind)]), False
    if kind is bool:
        return None, True
    if kind in (int, float):
        return kind, False
    return str, False


def click_options(model: type[BaseModel], *, skip: Iterable[str] = ()) -> list[click.Option]:
    """Click options for ``model`` (secrets as ``--NAME-env``/``--NAME-stdin``)."""
    options: list[click.Option] = []
    for opt in model_options(model, skip=skip):
        info = model.model_fields[opt.field]
        if opt.secret:
            options.append(click.Option([f"{opt.flag}-env", opt.dest + "_env"], metavar="VAR",
                                        help=f"{opt.help} Read from this environment variable."))
            options.append(click.Option(
                [f"{opt.flag}-stdin", opt.dest + "_stdin"], is_flag=True,
                help="Read it from standard input (" + ("all of it, up to 1 MiB)." if opt.multiline
                                                        else "one line).")))
            continue
        kind, is_flag = _click_type(info)
        if is_flag:
            options.append(click.Option([opt.flag, opt.dest], is_flag=True, default=None,
                                        help=opt.help))
        else:
            options.append(click.Option([opt.flag, opt.dest], type=kind, default=None, help=opt.help))
    return options


def model_values(model: type[BaseModel], params: dict[str, Any], *, skip: Iterable[str] = (),
                 stdin_line: Callable[[], str] | None = None,
                 sources: dict[str, tuple[str, str | None]] | None = None) -> dict[str, Any]:
    """Settings values from a command's parsed options; secrets read from env or stdin.

    Pops what it uses from ``params``; raises :class:`SettingsError` naming the option when a
    variable is unset or two secrets ask for standard input. ``sources`` (when given) receives how
    each secret was given, by flag: ``("env", VAR)`` or ``("stdin", None)`` — never a value.
    """
    values: dict[str, Any] = {}
    from_stdin = [opt for opt in model_options(model, skip=skip)
                  if opt.secret and params.get(opt.dest + "_stdin")]
    if len(from_stdin) > 1:
        raise SettingsError(from_stdin[1].flag + "-stdin",
                            "standard input can carry one secret; give the others with -env VAR")
    for opt in model_options(model, skip=skip):
        if opt.secret:
            var = params.pop(opt.dest + "_env", None)
            stdin = params.pop(opt.dest + "_stdin", False)
            if var and stdin:
                raise SettingsError(opt.flag, f"give {opt.flag}-env or {opt.flag}-stdin, not both")
            if var:
                value = os.environ.get(var)
                if value is None:
                    raise SettingsError(opt.flag + "-env", f"environment variable {var} is not set")
                values[opt.field] = SecretStr(value)
                if sources is not None:
                    sources[opt.flag] = ("env", var)
            elif stdin:
                line = stdin_line() if stdin_line else read_stdin_secret(opt.flag + "-stdin",
                                                                         whole=opt.multiline)
                if len(line) > STDIN_SECRET_LIMIT:
                    raise SettingsError(opt.flag + "-stdin", "more than 1 MiB on stdin; that is not a secret")
                values[opt.field] = SecretStr(line.rstrip("\r\n"))
                if sources is not None:
                    sources[opt.flag] = ("stdin", None)
            continue
        value = params.pop(opt.dest, None)
        if value is not None:
            values[opt.field] = value
    return values


def read_stdin_secret(field: str, *, whole: bool) -> str:
    """A secret from standard input: its first line, or (``whole``) all of it; at most
    ``STDIN_SECRET_LIMIT`` + 1 bytes are read (``< /dev/zero`` ends), and bytes that are not
    UTF-8 are a :class:`SettingsError` on ``field``, never a decoding traceback."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text-only stdin (an embedding program's): already decoded
        text = sys.stdin.read(STDIN_SECRET_LIMIT + 1) if whole else sys.stdin.readline(STDIN_SECRET_LIMIT + 1)
        return str(text)
    raw = stream.read(STDIN_SECRET_LIMIT + 1) if whole else stream.readline(STDIN_SECRET_LIMIT + 1)
    if len(raw) > STDIN_SECRET_LIMIT:
        raise SettingsError(field, "more than 1 MiB on stdin; that is not a secret")
    try:
        return str(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SettingsError(field, f"standard input is not UTF-8 text (byte {exc.start + 1}); "
                                   "give the value as text") from None

