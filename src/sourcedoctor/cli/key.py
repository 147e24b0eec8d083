"""`sourcedoctor key` (being built)."""

import click


@click.command("key")
def command() -> None:
    """(being built)"""
    raise click.UsageError("not built yet")
