"""`sourcedoctor lake` (being built)."""

import click


@click.command("lake")
def command() -> None:
    """(being built)"""
    raise click.UsageError("not built yet")
