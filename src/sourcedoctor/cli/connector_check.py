"""``sourcedoctor check URL`` for every connector whose options come from its settings model.

The command is built per connector: the common options every connector shares (``--target``,
``--timeout``, ``--format``, ``--output``, ``--force``, ``--redact-hosts``) plus the connector's own,
rendered from its settings model (:mod:`.model_options`). The group picks the connector from the
URL's scheme before click parses the rest, so ``--help`` after a URL shows that connector's options.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ..exitcodes import ExitCode
from ..report import FORMATS
from ..targets import TARGETS
from .model_options import click_options, model_values
from .options import SETTINGS_KEY, TIMEOUT


def check_command(connector: Any) -> click.Command:
    """The ``check`` command for ``connector`` (not SFTP, which keeps its own richer command)."""
    model = connector.settings_model

    def callback(url: str, target: str, timeout: float, fmt: str, output: Path | None, force: bool,
                 redact_hosts: bool, **params: Any) -> None:
        from .. import api
        from ..config.secrets import Redactor
        from ..config.urls import SettingsError
        from ..report.escape import for_terminal
        from .check import _emit, claim_report_output, run_and_report

        err = Console(stderr=True, highlight=False)
        claim_report_output(err, fmt, output, force)
        from ..connectors.common import SECRET_SOURCES

        sources: dict[str, tuple[str, str | None]] = {}
        try:
            values = model_values(model, params, sources=sources)
            settings = connector.settings(url, **values)
        except SettingsError as exc:
            err.print(for_terminal(f"error: {exc.field}: {exc.message}"), markup=False, soft_wrap=True)
            if fmt != "text":
                _emit(api.settings_failure_report(exc), fmt, Redactor(), output, force)
            sys.exit(ExitCode.USAGE)
        # The report's reproduce command repeats the variables this command line named.
        token = SECRET_SOURCES.set(sources)
        try:
            run_and_report(err, settings, target=target, timeout=timeout, fmt=fmt, output=output,
                           force=force, redact_hosts=redact_hosts)
        finally:
            SECRET_SOURCES.reset(token)

    params: list[click.Parameter] = [
        click.Argument(["url"]),
        *click_options(model),
        click.Option(["--target"], type=click.Choice(list(TARGETS)), default="generic",
                     show_default=True, help="Rules of the platform that will connect."),
        click.Option(["--timeout"], type=TIMEOUT, default=10.0, show_default=True,
                     help="Budget of each network step, in seconds."),
        click.Option(["--format", "fmt"], type=click.Choice(FORMATS), default="text", show_default=True),
        click.Option(["--output", "-o"], type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the report here instead of stdout (an existing file only with --force)."),
        click.Option(["--force"], is_flag=True, help="Let --output replace an existing file."),
        click.Option(["--redact-hosts"], is_flag=True,
                     help="Also replace host names, IPs and user names with pseudonyms."),
    ]
    return click.Command(
        "check", callback=callback, params=params,
        help=f"Diagnose a source ({connector.title}) layer by layer and say what to change, for whom. "
             f"URL schemes: {', '.join(s + '://' for s in connector.schemes)}. Secrets come from "
             "--…-env VAR or --…-stdin, never argv.",
    )


#: Options of ``preview`` and ``ingest`` that only SFTP has (how its credentials and host key are
#: given); another connector's own options take their place.
SFTP_ONLY = ("password_env", "password_stdin", "key_path", "passphrase_env", "no_prompt",
             "known_hosts", "host_key_fingerprint", "accept_new", "resolver")


def derived_command(base: click.Command, connector: Any) -> click.Command:
    """``base`` (``preview`` or ``ingest``) for ``connector``'s URLs: SFTP's credential options
    replaced by the connector's own (from its settings model); the settings are built before the
    base body runs and handed over in the click context (``SETTINGS_KEY``).

    A setting the base command already has an option for (``--file``, ``--head-bytes`` …) keeps
    the base's option, and its value goes into the settings as well."""
    model = connector.settings_model
    kept = [p for p in base.params if p.name not in SFTP_ONLY]
    flags = {flag: p.name for p in kept for flag in p.opts}
    # A check-only field (the check's own sample size) is neither an option here nor filled from
    # the base's option of the same name: ``ingest --rows`` sizes the batch, not the check.
    check_only = tuple(o.field for o in _fields(model) if _check_only(model, o.field))
    shared = {o.field: flags[o.flag] for o in _fields(model)
              if o.flag in flags and o.field not in check_only}
    skip = (*shared, *check_only)
    own = click_options(model, skip=skip)
    url_param = next(p.name for p in kept if isinstance(p, click.Argument))
    assert base.callback is not None
    body = base.callback

    def callback(**params: Any) -> Any:
        from ..config.urls import SettingsError

        try:
            values = model_values(model, params, skip=skip)
            values.update({fld: params[name] for fld, name in shared.items()
                           if params.get(name) is not None})
            settings = connector.settings(params[url_param], **values)
        except SettingsError as exc:
            from ..report.escape import for_terminal

            click.echo(for_terminal(f"error: {exc.field}: {exc.message}"), err=True)
            sys.exit(ExitCode.USAGE)
        click.get_current_context().meta[SETTINGS_KEY] = settings
        return body(**params, **dict.fromkeys(SFTP_ONLY))

    return click.Command(base.name, callback=callback, params=[*kept, *own], help=base.help)


def _check_only(model: Any, name: str) -> bool:
    """Whether ``json_schema_extra["check_only"]`` marks the field as ``check``'s alone."""
    extra = model.model_fields[name].json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("check_only"))


def _fields(model: Any) -> list[Any]:
    from ..config.model_fields import model_options

    return model_options(model)
