"""``sourcedoctor demo``: a real diagnosis against the embedded SFTP server, no setup needed."""

from __future__ import annotations

import asyncio
import sys

import click
from rich.console import Console

from .. import api
from ..demo.server import FAULTS, DemoServer
from ..exitcodes import ExitCode
from ..model import Report
from .check import _drive
from .live import LiveChecklist


@click.command("demo")
@click.option("--fault", type=click.Choice(sorted(FAULTS)), help="Switch on one named fault.")
@click.option("--target", type=click.Choice(["generic", "aep"]), default="generic",
              show_default=True)
@click.option("--plain", is_flag=True, help="Print the diagnosis instead of opening the app.")
@click.option("--list-faults", is_flag=True, help="List the named faults and exit.")
def command(fault: str | None, target: str, plain: bool, list_faults: bool) -> None:
    """Start an embedded SFTP server with sample data on a free loopback port and diagnose it.

    Try --fault wrong-password, missing-folder, shell-noise, utf16-file, kbdint-only (with
    --target aep) to see what a failure looks like.
    """
    console = Console(stderr=True, highlight=False)
    if list_faults:
        for name, what in FAULTS.items():
            click.echo(f"{name:16} {what}")
        return
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not plain
    if interactive:
        from ..tui import run_app

        run_app(demo=True, fault=fault, target=target)
        return
    report = asyncio.run(_demo(fault, target, console))
    sys.exit(ExitCode.for_verdict(report.verdict, interrupted=report.interrupted))


async def _demo(fault: str | None, target: str, console: Console) -> Report:
    async with DemoServer(fault) as demo:
        settings = demo.settings()
        console.print(f"Demo SFTP server on {demo.host}:{demo.port}"
                      + (f" with fault '{fault}'" if fault else "") + "\n", markup=False)
        runner = api.sftp_runner(settings, target=target, timeout=5.0)
        report = await _drive(runner, console, show_live=True)
        LiveChecklist.summary(report, console, api.redactor_for(settings))
        return report
