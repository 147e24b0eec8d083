"""Command line: ``sourcedoctor`` alone opens the app; subcommands serve scripts and CI.

Each subcommand lives in its own module exposing ``command``. Rich output goes to stderr; data
(JSON, CSV...) goes to stdout or ``--output`` only. Exit codes: :mod:`sourcedoctor.exitcodes`.
Subcommand modules are imported only when used, so ``sourcedoctor ingest`` does not pay for
the SSH stack and ``sourcedoctor key`` does not pay for DuckDB.
"""

from __future__ import annotations

# _signal, not signal: this runs first, and the signal module's enum set-up is itself a window.
import _signal
import gc
import os
import sys


def as_program() -> bool:
    """Whether this process is the ``sourcedoctor`` program (not a library user or a test that
    imports the CLI): only then does it change process-wide things (signals, the collector, the
    exit, child processes)."""
    return os.path.basename(sys.argv[0]) == "sourcedoctor"


#: The cyclic garbage collector is off while the program loads its modules (see startup_done).
_gc_paused = False
if as_program() and gc.isenabled():
    # Loading click, pydantic, asyncssh… allocates some 100,000 objects that live as long as the
    # process; the collector walks them again and again meanwhile (~130 collections, one full:
    # ~50 ms of a 0.45 s loopback check) and finds next to nothing to free.
    gc.disable()
    _gc_paused = True


def startup_done() -> None:
    """The command's modules are loaded: move every object made so far out of the collector's
    sight (``gc.freeze``: they live as long as the process) and turn the collector back on, so
    the run itself is collected as usual, at the cost of its own objects only. Idempotent;
    nothing happens unless the program paused the collector at start-up."""
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.freeze()
        gc.enable()


def _interrupted_while_starting(signum: int, frame: object) -> None:
    # Ctrl+C while the modules load: nothing has been touched yet, and a KeyboardInterrupt raised
    # inside an import cannot be caught by anyone, so it would print a traceback and exit -2.
    os.write(2, b"interrupted\n")
    os._exit(130)


# Only as the ``sourcedoctor`` program: a library or a test that imports this module keeps its
# own Ctrl+C handling, and an ignored SIGINT (a background job, nohup) stays ignored. The guard
# puts Python's handler back before any command runs (cli/guard.py). Python's own start-up (the
# site module) comes before this line and is out of our reach.
if as_program() and _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
    _signal.signal(_signal.SIGINT, _interrupted_while_starting)

import contextlib  # noqa: E402
import importlib  # noqa: E402
from typing import Any  # noqa: E402

import click  # noqa: E402

from .. import __version__, asyncssh_import  # noqa: E402, F401  (asyncssh then starts faster)

#: Subcommand name → module under this package, in the order ``--help`` lists them.
_SUBCOMMANDS = ("check", "fleet", "key", "preview", "ingest", "lake", "report", "demo", "connectors")


def _ends_without_teardown() -> bool:
    """``sourcedoctor check`` or ``ingest`` as the program: at its exit every connection is closed
    (ingest: the lake too, by its ``with`` blocks) and every output written (atomically), so the
    interpreter's teardown of some hundred modules (0.1–0.4 s, a third of a loopback run) has
    nothing left to do."""
    return as_program() and sys.argv[1:2] in (["check"], ["ingest"])


def result_written() -> None:
    """The command's result is out: from here on Ctrl+C has nothing left to stop, so it is ignored
    (as the program only). A SIGINT landing in the exit that follows would otherwise end the
    process by the signal (exit -2) after a successful run."""
    if _ends_without_teardown():
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)


class _LazyGroup(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Every command's exceptions end as a documented exit code and one line (see guard.py).
        from .guard import guarded_main

        try:
            return guarded_main(super().main, *args, **kwargs)
        except SystemExit as done:
            if not _ends_without_teardown() or not isinstance(done.code, int):
                raise
            result_written()  # whatever the command said is out; only the flush remains
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):  # guard.py judged stdout already
                    stream.flush()
            os._exit(done.code)

    def invoke(self, ctx: click.Context) -> Any:
        # ``check`` turns the collector on itself once its connector's modules are loaded too
        # (check.run_and_report); every other command (and the app) runs with it on from here.
        if sys.argv[1:2] != ["check"]:
            startup_done()
        return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_SUBCOMMANDS)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        """``check|preview|ingest URL``: the URL's scheme picks the connector, and with it the
        options (SFTP keeps its own; any other connector's come from its settings model)."""
        name, command, rest = super().resolve_command(ctx, args)
        if name in ("check", "preview", "ingest") and command is not None:
            url = next((a for a in rest if "://" in a and not a.startswith("-")), None)
            if url is not None:
                from .. import connectors as registry

                scheme = registry.scheme_of(url)
                if scheme is not None and scheme != "sftp":
                    try:
                        connector = registry.for_url(url)
                    except registry.UnknownConnector as exc:
                        raise click.UsageError(str(exc), ctx) from None
                    else:
                        from .connector_check import check_command, derived_command

                        command = (check_command(connector) if name == "check"
                                   else derived_command(command, connector))
        return name, command, rest

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _SUBCOMMANDS:
            return None
        command: click.Command = importlib.import_module(f"{__name__}.{cmd_name}").command
        return command


@click.group(cls=_LazyGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sourcedoctor")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Find out why an ingestion platform cannot read a data source, layer by layer,
    and what exactly to change. Run without a command to open the interactive app."""
    if ctx.invoked_subcommand is None:
        from ..tui import run_app

        run_app()
