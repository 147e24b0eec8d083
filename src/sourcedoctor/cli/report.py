"""`sourcedoctor report`: show, convert and compare saved reports.

``show`` and ``diff`` print their result on stdout (it is the data asked for); errors go to
stderr as one line. Exit codes: 0 ok, 1 (diff) something got worse, 2 unreadable input or bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from ..config.secrets import Redactor
from ..exitcodes import ExitCode
from ..model import Report
from ..report import FORMATS, ReportLoadError, diff_reports, load_report, write_report
from ..report.text import render_text


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(ExitCode.USAGE)


def _load(path: str, field: str) -> Report:
    try:
        return load_report(Path(path))
    except ReportLoadError as exc:
        _fail(f"{field}: {exc}")
        raise  # unreachable; keeps type checkers happy


_REDACT_HOSTS = click.option(
    "--redact-hosts", is_flag=True,
    help="Replace host names, IP addresses and user names with stable pseudonyms (host-1, user-1).",
)


@click.group("report")
def command() -> None:
    """Show, convert and compare saved reports (JSON reports or support bundles)."""


@command.command("show")
@click.argument("file", type=click.Path(dir_okay=False))
@_REDACT_HOSTS
def show(file: str, redact_hosts: bool) -> None:
    """Render a saved report in the terminal: checklist, root cause and fix."""
    report = _load(file, "FILE")
    render_text(report, Console(highlight=False), Redactor(redact_hosts=redact_hosts))


@command.command("convert")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "--to", "fmt",
              type=click.Choice([f for f in FORMATS if f != "text"] + ["text"]), required=True,
              help="Output format (bundle needs --output); --to is the same option.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of stdout (an existing file only with --force).")
@click.option("--force", is_flag=True, help="Let --output replace an existing file.")
@_REDACT_HOSTS
def convert(file: str, fmt: str, output: Path | None, force: bool, redact_hosts: bool) -> None:
    """Write a saved report as json, md, html, text or a support bundle."""
    report = _load(file, "FILE")
    try:
        write_report(report, fmt, Redactor(redact_hosts=redact_hosts), output, force=force)
    except ValueError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"output: cannot write {output or 'stdout'} ({exc.strerror}); choose another path")


@command.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def diff(old: str, new: str, fmt: str) -> None:
    """Compare two reports of the same source; exit 1 when something got worse."""
    before, after = _load(old, "OLD"), _load(new, "NEW")
    result = diff_reports(before, after)
    redactor = Redactor()
    text = result.to_json() if fmt == "json" else result.to_text()
    click.echo(redactor.text(text), nl=False)
    sys.exit(ExitCode.FAILED if result.worse else ExitCode.OK)
