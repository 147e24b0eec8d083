"""`sourcedoctor preview` (being built)."""

import click


@click.command("preview")
def command() -> None:
    """(being built)"""
    raise click.UsageError("not built yet")
