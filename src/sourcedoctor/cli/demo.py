"""``sourcedoctor demo``: a real diagnosis against the embedded SFTP server, no setup needed."""

from __future__ import annotations

import asyncio
import sys

import click
from rich.console import Console

from .. import api
from ..connectors.sftp.demo.server import FAULTS, DemoServer
from ..exitcodes import ExitCode
from ..model import Report
from .check import _drive
from .live import LiveChecklist

#: Faults that only the named target's rules turn into a finding (the generic target reads UTF-16
#: and accepts keyboard-interactive); the demo uses that target unless --target says otherwise.
FAULT_TARGET: dict[str, str] = {"utf16-file": "aep", "kbdint-only": "aep"}


def demo_target(fault: str | None, given: str | None) -> str:
    """The target a demo runs with: the one given, else the one the fault needs, else generic."""
    if given is not None:
        return given
    return FAULT_TARGET.get(fault or "", "generic")


@click.command("demo")
@click.option("--fault", type=click.Choice(sorted(FAULTS)), help="Switch on one named fault.")
@click.option("--target", type=click.Choice(["generic", "aep"]), default=None,
              help="Rules of the platform [default: the one the fault needs, else generic].")
@click.option("--plain", is_flag=True, help="Print the diagnosis instead of opening the app.")
@click.option("--list-faults", is_flag=True, help="List the named faults and exit.")
def command(fault: str | None, target: str | None, plain: bool, list_faults: bool) -> None:
    """Start an embedded SFTP server with sample data on a free loopback port and diagnose it.

    Try --fault wrong-password, missing-folder, shell-noise, utf16-file, kbdint-only to see what
    a failure looks like (utf16-file and kbdint-only run with --target aep, whose rules they break).
    """
    console = Console(stderr=True, highlight=False)
    if list_faults:
        for name, what in FAULTS.items():
            needs = FAULT_TARGET.get(name)
            click.echo(f"{name:16} {what}" + (f" [runs with --target {needs}]" if needs else ""))
        return
    needed = FAULT_TARGET.get(fault or "")
    if needed and target is not None and target != needed:
        console.print(f"note: the {fault} fault breaks a rule of --target {needed} only; with "
                      f"--target {target} the diagnosis passes", markup=False, soft_wrap=True)
    target = demo_target(fault, target)
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
