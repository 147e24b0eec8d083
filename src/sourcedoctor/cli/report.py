"""`sourcedoctor report` (being built)."""

import click


@click.command("report")
def command() -> None:
    """(being built)"""
    raise click.UsageError("not built yet")
