"""Command line: ``sourcedoctor`` alone opens the app; subcommands serve scripts and CI.

Each subcommand lives in its own module exposing ``command``. Rich output goes to stderr; data
(JSON, CSV...) goes to stdout or ``--output`` only. Exit codes: :mod:`sourcedoctor.exitcodes`.
Subcommand modules are imported only when used, so ``sourcedoctor ingest`` does not pay for
the SSH stack and ``sourcedoctor key`` does not pay for DuckDB.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__

#: Subcommand name → module under this package, in the order ``--help`` lists them.
_SUBCOMMANDS = ("check", "key", "preview", "ingest", "lake", "report", "demo")


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_SUBCOMMANDS)

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
