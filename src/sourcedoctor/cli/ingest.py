"""`sourcedoctor ingest` (being built)."""

import click


@click.command("ingest")
def command() -> None:
    """(being built)"""
    raise click.UsageError("not built yet")
