"""``sourcedoctor check sftp://…``: the full layered diagnosis for scripts, CI and terminals."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import click

from .. import api
from ..config.secrets import Redactor
from ..config.urls import SettingsError
from ..exitcodes import ExitCode
from ..model import Report
from ..outputs import OutputRefused, claim_output
from ..report import FORMATS, write_report
from ..report.escape import for_terminal
from ..runner import Runner, run_to_report
from . import as_program, startup_done
from .options import (
    TIMEOUT,
    connection_options,
    connection_values,
    read_secret_options,
    secret_options,
)

if TYPE_CHECKING:
    from rich.console import Console


class _StderrOnFirstUse:
    """rich's stderr console, made when first used: a run whose stderr is no terminal and that
    prints nothing there (a healthy ``--format json`` run) never loads rich (~50 ms of CPU).
    Stands in for the console's methods only: what hands the console to rich itself (a ``Live``
    display enters it with ``with``, which looks on the type, not the instance) takes
    :func:`_real` of it."""

    def __init__(self) -> None:
        self._console: Console | None = None

    def made(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.made(), name)


def _real(console: Console) -> Console:
    """The console itself, made now if it is the stand-in."""
    return console.made() if isinstance(console, _StderrOnFirstUse) else console


def _stderr_is_plain() -> bool:
    """stderr is no terminal, decided as rich would and without loading it; None of the
    variables that change rich's answer may be set (then rich itself decides)."""
    if {"TTY_COMPATIBLE", "FORCE_COLOR"} & os.environ.keys():
        return False
    try:
        return not sys.stderr.isatty()
    except (AttributeError, ValueError, OSError):
        return False


@click.command("check")
@click.argument("url")
@click.option("--folder", help="Folder to read (absolute with a leading '/'); overrides the URL's.")
@click.option("--user", help="Login user name; overrides the URL's.")
@secret_options
@connection_options
@click.option("--target", type=click.Choice(["generic", "aep"]), default="generic",
              show_default=True, help="Rules of the platform that will connect.")
@click.option("--timeout", type=TIMEOUT, default=10.0, show_default=True,
              help="Budget of each network step, in seconds.")
@click.option("--max-connections", type=click.IntRange(1, 16), default=3, show_default=True,
              help="Parallel connections the platform opens (the probe never opens more).")
@click.option("--file", "file_", help="Sample this file of the folder only.")
@click.option("--max-entries", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True,
              help="Most folder entries ever listed.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here instead of stdout (an existing file only with --force).")
@click.option("--force", is_flag=True, help="Let --output replace an existing file.")
@click.option("--redact-hosts", is_flag=True,
              help="Also replace host names, IPs and user names with pseudonyms.")
def command(url: str, folder: str | None, user: str | None, target: str, timeout: float,
            max_connections: int, file_: str | None, max_entries: int, fmt: str,
            output: Path | None, force: bool, redact_hosts: bool, **secret_opts: Any) -> None:
    """Diagnose a source layer by layer, stop at the first broken layer, say what to change and
    for whom. The URL's scheme picks the connector: sftp://, ftp://, s3://, azblob://,
    postgresql://, mysql://, kafka://, kinesis://, https://HOST/collection/ID …
    (`sourcedoctor connectors` lists them; `sourcedoctor check SCHEME:// --help` shows that
    connector's options).

    The options below are SFTP's (DNS → TCP → banner → key exchange → host key → auth → SFTP →
    folder → files → sample → format). URL is sftp://USER@HOST[:PORT][/FOLDER]; /in/daily is
    relative to the login directory, //srv/in is absolute. Secrets come from
    --password-env/--password-stdin/a prompt, never argv.
    """
    err = cast("Console", _StderrOnFirstUse())
    claim_report_output(err, fmt, output, force)
    try:
        connection = connection_values(secret_opts)
        secrets = read_secret_options(url=url, **secret_opts)
        settings = api.sftp_settings(
            url, folder=folder, user=user, max_connections=max_connections, file=file_,
            max_entries=max_entries, **connection, **secrets.values,
        )
    except SettingsError as exc:
        err.print(for_terminal(f"error: {exc.field}: {exc.message}"), markup=False, soft_wrap=True)
        if fmt != "text":
            _emit(api.settings_failure_report(exc), fmt, Redactor(), output, force)
        sys.exit(ExitCode.USAGE)
    for warning in secrets.warnings:
        err.print(f"warning: {warning}", markup=False)
    run_and_report(err, settings, target=target, timeout=timeout, fmt=fmt, output=output,
                   force=force, redact_hosts=redact_hosts)


def claim_report_output(err: Console, fmt: str, output: Path | None, force: bool) -> None:
    """Refuse, before any network use, an output the report could not be written to."""
    if fmt == "bundle" and output is None:
        # A zip cannot go to a terminal or a pipe.
        err.print("error: --output: a bundle is a .zip file; give --output FILE.zip",
                  markup=False, soft_wrap=True)
        sys.exit(ExitCode.USAGE)
    if output is not None:
        try:  # an existing file is refused before the run, not after it
            claim_output(output, "--output", force=force)
        except OutputRefused as exc:
            err.print(f"error: {exc}", markup=False, soft_wrap=True)
            sys.exit(ExitCode.USAGE)


def run_and_report(err: Console, settings: Any, *, target: str, timeout: float, fmt: str,
                   output: Path | None, force: bool, redact_hosts: bool) -> NoReturn:
    """Run the diagnosis of any connector's settings live, write the report, exit by verdict."""
    redactor = api.redactor_for(settings, redact_hosts=redact_hosts)
    runner = api.runner(settings, target=target, timeout=timeout)
    startup_done()  # the connector's modules are loaded: the collector runs from here on
    if as_program():
        # While the run waits for the server, threads work beside it (the sniffers' import, the
        # key's inspection); each time an answer arrives the event loop waits for the GIL up to
        # the switch interval, 5 ms by default, at every round trip (~15 ms per run measured).
        sys.setswitchinterval(0.001)
    report = asyncio.run(_abandoning_threads(_drive(runner, err, show_live=True)))
    if fmt == "text" and output is None:
        from .live import LiveChecklist

        LiveChecklist.summary(report, _real(err), redactor)
    else:
        _emit(report, fmt, redactor, output, force)
        if output is not None:
            err.print(f"report written to {output}", markup=False)
    sys.exit(ExitCode.for_verdict(report.verdict, interrupted=report.interrupted))


T = TypeVar("T")


class _AbandoningExecutor(ThreadPoolExecutor):
    """The loop's default executor, whose shutdown does not wait for its threads.

    ``asyncio.run`` ends by joining every ``to_thread`` worker: a client library blocked in C (a
    Kafka metadata request to a silent broker, for up to ``--timeout``) kept the process alive
    after Ctrl+C or after the layer's own timeout had already been reported (30 s measured).
    The report is complete by then; the program leaves by ``os._exit`` (cli/__init__.py), so an
    abandoned thread never runs past it."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=True)


async def _abandoning_threads(coro: Coroutine[Any, Any, T]) -> T:
    asyncio.get_running_loop().set_default_executor(_AbandoningExecutor())
    return await coro


def _emit(report: Report, fmt: str, redactor: Redactor, output: Path | None,
          force: bool = False) -> None:
    try:
        write_report(report, fmt, redactor, output, force=force)
    except ValueError as exc:
        from rich.console import Console

        Console(stderr=True).print(f"error: {exc}", markup=False, soft_wrap=True)
        sys.exit(ExitCode.USAGE)
    except OSError as exc:
        from rich.console import Console

        where = output if output is not None else "stdout"
        Console(stderr=True).print(f"error: --output: cannot write {where}: {exc.strerror}",
                                   markup=False, soft_wrap=True)
        sys.exit(ExitCode.USAGE)


async def _drive(runner: Runner, console: Console, *, show_live: bool) -> Report:
    """Run with a live checklist; Ctrl+C cancels the run and still yields a partial report."""
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, runner.cancel)
        loop.add_signal_handler(signal.SIGTERM, runner.cancel)
    from .guard import interrupted

    if interrupted():  # Ctrl+C while modules loaded, its exception lost in a callback
        runner.cancel()
    try:
        if _stderr_is_plain():  # LiveChecklist would draw nothing: rich is not even loaded
            return await run_to_report(runner)
        from .live import LiveChecklist

        return await LiveChecklist(_real(console), enabled=show_live).follow(runner)
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
            loop.remove_signal_handler(signal.SIGTERM)

