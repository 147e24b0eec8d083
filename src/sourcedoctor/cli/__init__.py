"""Command line: ``sourcedoctor`` alone opens the app; subcommands serve scripts and CI.

Each subcommand lives in its own module exposing ``command``. Rich output goes to stderr; data
(JSON, CSV...) goes to stdout or ``--output`` only. Exit codes: :mod:`sourcedoctor.exitcodes`.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__

#: Subcommand modules, in the order ``--help`` lists them.
_SUBCOMMANDS = ("check", "key", "preview", "ingest", "lake", "report", "demo")


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sourcedoctor")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Find out why an ingestion platform cannot read a data source, layer by layer,
    and what exactly to change. Run without a command to open the interactive app."""
    if ctx.invoked_subcommand is None:
        from ..tui import run_app

        run_app()


for _name in _SUBCOMMANDS:
    _module = importlib.import_module(f"{__name__}.{_name}")
    main.add_command(_module.command)
