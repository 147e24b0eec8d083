"""Credential options shared by every command that connects (check, preview, ingest).

Secrets never come from argv: a password comes from an environment variable, standard input or a
prompt; a passphrase from an environment variable or a prompt. A password inside the URL is
accepted with a warning (shell history and process lists show it) and never echoed.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..config.urls import SettingsError, parse_sftp_url
from ..userfiles import KEY_LIMIT

if TYPE_CHECKING:
    from pydantic import SecretStr

F = TypeVar("F", bound=Callable[..., Any])

#: Where ``preview``/``ingest`` find the settings of another connector's URL, built from its own
#: options before their body runs (see ``cli.connector_check.derived_command``).
SETTINGS_KEY = "sourcedoctor.settings"


class Seconds(click.FloatRange):
    """A duration in seconds within a range; ``nan`` is refused (it passes every comparison, so a
    plain FloatRange lets it through and the run would have no time budget at all)."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rv = super().convert(value, param, ctx)
        if isinstance(rv, float) and math.isnan(rv):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return rv


#: The per-step network budget every command that connects accepts (``--timeout``).
TIMEOUT = Seconds(0.1, 600)


def secret_options(func: F) -> F:
    """Add --password-env, --password-stdin, --key, --passphrase-env, --no-prompt."""
    options = [
        click.option("--password-env", metavar="VAR", help="Read the password from this variable."),
        click.option("--password-stdin", is_flag=True, help="Read the password from stdin."),
        click.option("--key", "key_path", metavar="FILE",
                     help="Private key file ('-' reads it from stdin)."),
        click.option("--passphrase-env", metavar="VAR",
                     help="Read the key's passphrase from this variable."),
        click.option("--no-prompt", is_flag=True, help="Never prompt for a password."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


#: Keyword names the connection options add (see :func:`connection_options`).
CONNECTION_KEYS = ("known_hosts", "host_key_fingerprint", "accept_new", "resolver")


def connection_options(func: F) -> F:
    """Add --known-hosts, --host-key-fingerprint, --accept-new and --resolver (how the server is
    found and verified) to a command that connects."""
    options = [
        click.option("--known-hosts", type=click.Path(dir_okay=False),
                     help="known_hosts file to verify the host key (default: ~/.ssh/known_hosts)."),
        click.option("--host-key-fingerprint", metavar="FP",
                     help="Pinned host key fingerprint(s), SHA256:…, comma-separated."),
        click.option("--accept-new", is_flag=True, help="Write an unknown host key to known_hosts."),
        click.option("--resolver", metavar="IP[:PORT]",
                     help="Ask this DNS server (default: the system's)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def connection_values(options: dict[str, Any]) -> dict[str, Any]:
    """Take the connection options out of a command's keyword arguments, as settings values."""
    values = {key: options.pop(key, None) for key in CONNECTION_KEYS}
    return {key: value for key, value in values.items() if value not in (None, False)}


@dataclass
class SecretValues:
    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _env(var: str, fld: str) -> SecretStr:
    from pydantic import SecretStr

    value = os.environ.get(var)
    if value is None:
        raise SettingsError(fld, f"environment variable {var} is not set")
    return SecretStr(value)


def read_secret_options(
    *, url: str | None, password_env: str | None, password_stdin: bool, key_path: str | None,
    passphrase_env: str | None, no_prompt: bool,
) -> SecretValues:
    """Collect credentials from the environment, stdin or a prompt (never from argv)."""
    from pydantic import SecretStr  # only commands that connect pay for pydantic

    out = SecretValues()
    url_values = parse_sftp_url(url) if url and url.lower().startswith("sftp://") else {}
    if "password" in url_values:
        out.warnings.append("a password in the URL is visible in shell history and process lists; "
                            "use --password-env VAR instead")
    if password_env and password_stdin:
        raise SettingsError("password", "give --password-env or --password-stdin, not both")
    if key_path == "-" and password_stdin:
        raise SettingsError("key", "stdin can carry the password or the key, not both")
    if password_env:
        out.values["password"] = _env(password_env, "password")
    elif password_stdin:
        from .model_options import read_stdin_secret  # bounded, and junk bytes are a usage error

        line = read_stdin_secret("--password-stdin", whole=False).rstrip("\r\n")
        out.values["password"] = SecretStr(line)
    if key_path == "-":
        data = sys.stdin.buffer.read(KEY_LIMIT + 1)  # bounded like a key file
        if len(data) > KEY_LIMIT:
            raise SettingsError("key", "more than 1 MiB on stdin; that is not a key")
        out.values["key_content"] = SecretStr(data.decode("utf-8", errors="replace"))
    elif key_path:
        out.values["key_path"] = key_path
    if passphrase_env:
        out.values["passphrase"] = _env(passphrase_env, "passphrase")
    has_credential = "password" in out.values or "password" in url_values or key_path
    if not has_credential and not no_prompt and sys.stdin.isatty() and sys.stderr.isatty():
        pw = click.prompt("Password (leave empty to try without)", default="", hide_input=True,
                          show_default=False, err=True)
        if pw:
            out.values["password"] = SecretStr(pw)
    return out
