"""``sourcedoctor key inspect``: what is this key, what is wrong with it, and the exact fix."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console

from ..exitcodes import ExitCode
from ..keys import EMIT_FORMS, EmitError, KeyReport, KeySourceError, emit_key, inspect_key
from ..keys.normalize import MAX_INPUT
from ..model import Severity
from ..outputs import OutputRefused, claim_output, write_output
from ..report.escape import for_markup as escape  # key comments are foreign text
from ..targets import TARGETS, get_target

_MARK = {
    Severity.INFO: "[cyan]i[/]",
    Severity.WARN: "[yellow]![/]",
    Severity.FAIL: "[red]✗[/]",
    Severity.ERROR: "[red]‼[/]",
}


def _usage(field: str, message: str) -> NoReturn:
    click.echo(f"error: {field}: {message}", err=True)
    sys.exit(ExitCode.USAGE)


@click.group("key")
def command() -> None:
    """Inspect and convert private keys."""


@command.command("inspect")
@click.argument("file", default="-", metavar="[FILE|-]")
@click.option("--passphrase-env", metavar="VAR", help="Read the key's passphrase from this variable.")
@click.option(
    "--target",
    "target_name",
    type=click.Choice(sorted(TARGETS)),
    default="generic",
    show_default=True,
    help="Judge the key by this platform's rules.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--emit", type=click.Choice(EMIT_FORMS), help="Write the key converted to this form.")
@click.option("--output", type=click.Path(dir_okay=False), help="File for --emit (created with mode 0600).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Write --emit output to standard output.")
@click.option("--force", is_flag=True, help="Let --output replace an existing file.")
def inspect_command(
    file: str,
    passphrase_env: str | None,
    target_name: str,
    fmt: str,
    emit: str | None,
    output: str | None,
    to_stdout: bool,
    force: bool,
) -> None:
    """Say what FILE (or standard input) holds, what is wrong with it, and how to fix it.

    Exit 0 when the key is usable and the target takes it, 1 when a finding fails.
    """
    from ..keys import read_key_source

    if emit and not output and not to_stdout:
        _usage("--emit", "give --output FILE (written with mode 0600) or --stdout")
    if (output or to_stdout) and not emit:
        _usage("--output", "only used with --emit openssh|pem|public|aep-base64")
    if output and to_stdout:
        _usage("--output", "use either --output FILE or --stdout, not both")
    if output:
        try:
            claim_output(output, "--output", force=force)  # refused before any work is done
        except OutputRefused as exc:
            _usage(exc.field, exc.message)
    passphrase = None
    if passphrase_env:
        passphrase = os.environ.get(passphrase_env)
        if passphrase is None:
            _usage("--passphrase-env", f"environment variable {passphrase_env} is not set")
    try:
        data = read_key_source(file, limit=MAX_INPUT)
    except KeySourceError as exc:
        _usage("FILE", str(exc))
    name = "KEY" if file == "-" else file
    report = inspect_key(data, passphrase=passphrase, target=get_target(target_name), source_name=name)
    emit_to_stdout = bool(emit and to_stdout)
    if fmt == "json":
        # With --emit --stdout the key owns stdout; the JSON then goes to stderr.
        click.echo(json.dumps(report.to_dict(), indent=2), err=emit_to_stdout)
    else:
        _render(report, Console(stderr=emit_to_stdout, highlight=False))
    if emit:
        _emit(report, emit, output, passphrase, force)
    sys.exit(ExitCode.OK if report.target_ok else ExitCode.FAILED)


def _emit(report: KeyReport, form: str, output: str | None, passphrase: str | None, force: bool) -> None:
    try:
        data = emit_key(report, form, passphrase=passphrase)
    except EmitError as exc:
        click.echo(f"error: --emit: {exc}", err=True)
        sys.exit(ExitCode.FAILED)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    # The output rule (sourcedoctor.outputs): an existing file only with --force, a new file is
    # created 0600, and what we did not create (a device given with --force) is never chmod-ed.
    try:
        write_output(output, data, "--output", force=force, secret=True)
    except OutputRefused as exc:
        _usage(exc.field, exc.message)
    made = Path(output).is_file() and not Path(output).is_symlink()
    click.echo(f"wrote {form} to {output}" + (" (mode 0600)" if made else ""), err=True)


def _render(report: KeyReport, console: Console) -> None:
    rows = [
        ("source", report.source),
        ("format", f"{report.format} — {report.description}"),
        ("type", report.key_type),
        ("bits", report.bits),
        ("curve", report.curve),
        ("encrypted", None if report.encrypted is None else ("yes" if report.encrypted else "no")),
        ("cipher", report.cipher),
        ("kdf", report.kdf),
        ("comment", report.comment),
        ("SHA256", report.fingerprint_sha256),
        ("MD5", report.fingerprint_md5),
        ("normalised", ", ".join(report.normalized) or None),
    ]
    for label, value in rows:
        if value is not None:
            console.print(f"[bold]{label:>10}[/]  {escape(str(value))}")
    if report.authorized_keys_line:
        console.print("[bold]authorized_keys line[/]")
        console.print(escape(report.authorized_keys_line), soft_wrap=True)
    verdict = "[green]usable[/]" if report.usable else "[red]not usable[/]"
    target_ok = "[green]accepted[/]" if report.target_ok else "[red]not accepted[/]"
    console.print(f"\n[bold]verdict[/]  key {verdict}; target {report.target}: {target_ok}")
    for f in report.findings:
        console.print(f"\n{_MARK[f.severity]} [bold]{f.code}[/]  {escape(f.summary)}")
        for step in f.fix:
            console.print(f"    → {escape(step)}", soft_wrap=True)
