"""Helpers every connector's ``connector.py`` shares (the :class:`~.base.Connector` protocol's
boilerplate): merging a URL with option values, and the reproduce command line.

Each connector still lists its own flags, in its own order: what they are and when they are
worth repeating is the connector's knowledge; how a command line is put together is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from ..checks.base import Context

ModelT = TypeVar("ModelT")

#: A flag and its value: None, False or "" leave the flag out, True writes the flag alone.
Flag = tuple[str, Any]

#: Seconds allowed for building a library client (botocore's: imports and its service model, no
#: network), at least: that is local work, not a network step, and on a busy machine a cold
#: build takes longer than a short ``--timeout`` (a false ``check.timeout``).
CLIENT_BUILD_SECONDS = 5.0


def client_build_limit(step_timeout: float) -> float:
    """How long a library client may take to build, for a run with this ``--timeout``."""
    return max(step_timeout, CLIENT_BUILD_SECONDS)


class BuildsClient:
    """Mixin for a check that first builds a library client, then makes ``timeout_steps``
    network requests with it: its budget is the build's own limit plus those steps. Counted as
    one more step, a build slowed by a busy machine used up the requests' time (at ``--timeout
    1`` a CI run read a healthy Kinesis endpoint as check.timeout)."""

    timeout_steps: ClassVar[float]

    def timeout(self, ctx: Context[Any, Any]) -> float:
        return client_build_limit(ctx.step_timeout) + ctx.step_timeout * self.timeout_steps


def settings_from(url: str | None, values: Mapping[str, Any], parse: Callable[[str], dict[str, Any]],
                  build: Callable[..., ModelT]) -> ModelT:
    """The URL's values, overridden by the options given (None: not given), validated."""
    from ..config.urls import parse_url_with, refuse_control_characters  # one rule for every URL

    merged: dict[str, Any] = parse_url_with(url, parse) if url else {}
    merged.update({k: v for k, v in values.items() if v is not None})
    settings = build(**merged)
    if url:  # after the connector's own checks, whose field names come first
        refuse_control_characters(url)  # urlsplit drops tabs and line breaks: lab/go\nod → lab/good
    return settings


#: How the secrets of the command being run were given, by flag: ``{"--password": ("env",
#: "QA_PW")}``, ``("stdin", None)``. Set by the CLI (:mod:`..cli.connector_check`) around the run it
#: starts, so that the reproduce command repeats the user's own variables; None where it is not
#: known (the API, the TUI): the connector's usual variable names are shown then.
SECRET_SOURCES: ContextVar[dict[str, tuple[str, str | None]] | None] = ContextVar(
    "secret_sources", default=None)


def secret_env(flag: str, given: object, var: str) -> Flag:
    """``--NAME-env VAR`` for a secret that was given (never its value): the variable the user
    named, ``--NAME-stdin`` when it came on standard input, nothing when the command line did not
    give it (it came inside another secret, e.g. a connection string's PWD=); ``var`` when how it
    was given is not known."""
    if given is None:
        return (f"{flag}-env", None)
    sources = SECRET_SOURCES.get()
    if sources is None:
        return (f"{flag}-env", var)
    kind, name = sources.get(flag, ("", None))
    if kind == "stdin":
        return (f"{flag}-stdin", True)
    return (f"{flag}-env", name if kind == "env" else None)


def unless(value: Any, default: Any) -> Any:
    """``value``, or None when it is the default (a flag worth leaving out)."""
    return None if value == default else value


def command_line(url: str, flags: Iterable[Flag], *, target: str, timeout: float,
                 tail: Iterable[Flag] = ()) -> str:
    """``sourcedoctor check URL FLAGS [--target T] [--timeout S] TAIL``: the command that runs the
    same diagnosis again. ``--target`` and ``--timeout`` are left out at their defaults."""
    parts = ["sourcedoctor", "check", url]
    _add(parts, flags)
    _add(parts, [("--target", unless(target, "generic")),
                 ("--timeout", None if timeout == 10.0 else f"{timeout:g}")])
    _add(parts, tail)
    return " ".join(parts)


def _add(parts: list[str], flags: Iterable[Flag]) -> None:
    for flag, value in flags:
        if value is True:
            parts.append(flag)
        elif value is not None and value is not False and value != "":
            parts += [flag, str(value)]
