"""``sourcedoctor preview``: what is in the files, as the platform would see it (local or SFTP).

The table of rows is the data, so it goes to stdout; findings and notes go to stderr. Exit 1 when
any finding fails, 0 otherwise, 2 for usage errors.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table

from ..config.urls import SettingsError
from ..exitcodes import ExitCode
from ..model import Finding, Severity
from ..preview import PreviewResult, SampleResult, preview_path
from ..preview.rows import RowPreview
from ..preview.rows import render as render_rows
from ..report.escape import for_markup as escape  # foreign text: controls shown, markup escaped
from ..report.escape import json_safe
from ..sources.local import LocalSource
from ..sources.rows import RowSource, RowSourceError
from ..targets import TARGETS, TargetProfile, get_target
from .options import (
    SETTINGS_KEY,
    TIMEOUT,
    connection_options,
    connection_values,
    read_secret_options,
    secret_options,
)

_MARK = {Severity.INFO: "[cyan]i[/]", Severity.WARN: "[yellow]![/]", Severity.FAIL: "[red]✗[/]",
         Severity.ERROR: "[red]‼[/]"}
#: Widest cell in the text table (the JSON output has the full values).
_CELL = 40


def _usage(field: str, message: str) -> NoReturn:
    click.echo(f"error: {field}: {message}", err=True)
    sys.exit(ExitCode.USAGE)


@click.command("preview")
@click.argument("location", metavar="(URL | PATH)")
@click.option("--file", "file_", metavar="NAME", help="Sample this file of the folder only.")
@click.option("--rows", type=click.IntRange(0, 10_000), default=100, show_default=True,
              help="Rows to show per file.")
@click.option("--target", "target_name", type=click.Choice(sorted(TARGETS)), default="generic",
              show_default=True, help="Judge the files by this platform's rules.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--head-bytes", type=click.IntRange(4096, 64 << 20), default=1 << 20,
              show_default=True, help="Bytes read from the head of each file.")
@click.option("--max-entries", type=click.IntRange(1, 1_000_000), default=10_000,
              show_default=True, help="Most folder entries listed.")
@click.option("--depth", type=click.IntRange(0, 32), default=0, show_default=True,
              help="Sub-folder levels to list.")
@click.option("--glob", metavar="PAT", help="Only files whose name matches (e.g. '*.csv').")
@click.option("--sample-files", type=click.IntRange(1, 100), default=3, show_default=True,
              help="Files of a folder to sample.")
@click.option("--timeout", type=TIMEOUT, default=10.0, show_default=True,
              help="Seconds allowed per step.")
@secret_options
@connection_options
def command(location: str, file_: str | None, rows: int, target_name: str, fmt: str,
            head_bytes: int, max_entries: int, depth: int, glob: str | None, sample_files: int,
            timeout: float, **secrets: Any) -> None:
    """Show what is in a folder or file (local PATH, or a source URL: sftp://USER@HOST/FOLDER,
    s3://BUCKET/PREFIX …; `sourcedoctor connectors` lists them) without downloading it:
    format, encoding, dialect, schema, the first rows, and what the target cannot read. For a
    database or a stream (postgresql://…?table=SCHEMA.TABLE): the rows with each column's source
    and platform type; without a table, its relations."""
    target = get_target(target_name)
    kwargs: dict[str, Any] = {"target": target, "file": file_, "rows": rows,
                              "head_bytes": head_bytes, "max_entries": max_entries,
                              "depth": depth, "glob": glob, "sample_files": sample_files,
                              "timeout": timeout}
    try:
        remote = click.get_current_context().meta.get(SETTINGS_KEY)
        if remote is not None:  # another connector's URL: its settings were built from its options
            result = asyncio.run(_preview_remote(remote, target, timeout, kwargs, fmt))
        elif location.lower().startswith("sftp://"):
            result = asyncio.run(_preview_sftp(location, target, timeout, secrets, kwargs, fmt))
        else:
            result = asyncio.run(preview_path(LocalSource(None), location, **kwargs))
    except SettingsError as exc:
        _usage(exc.field, exc.message)
    except KeyboardInterrupt:
        sys.exit(ExitCode.INTERRUPTED)
    if fmt == "json":
        click.echo(json_safe(json.dumps(result.to_dict(), indent=2, ensure_ascii=False)))
    elif isinstance(result, RowPreview):
        render_rows(result, Console(), Console(stderr=True))
    else:
        _render(result)
    worst = max((f.severity for f in result.all_findings), default=Severity.INFO)
    sys.exit(ExitCode.FAILED if worst >= Severity.FAIL else ExitCode.OK)


async def _preview_sftp(url: str, target: TargetProfile, timeout: float,
                        secrets: dict[str, Any], kwargs: dict[str, Any],
                        fmt: str) -> PreviewResult | RowPreview:
    from .. import api

    connection = connection_values(secrets)
    values = read_secret_options(url=url, **secrets)
    err = Console(stderr=True)
    for warning in values.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    settings = api.sftp_settings(url, **connection, **values.values)
    return await _preview_remote(settings, target, timeout, kwargs, fmt)


async def _preview_remote(settings: Any, target: TargetProfile, timeout: float,
                          kwargs: dict[str, Any], fmt: str) -> PreviewResult | RowPreview:
    """Diagnose up to the connector's source layer, then preview through its FileSource."""
    from .. import api

    err = Console(stderr=True)
    try:
        async with api.open_source(settings, target=target.name, timeout=timeout) as opened:
            if isinstance(opened.source, RowSource):  # a database table or a stream: rows
                return await _preview_rows(opened, target, kwargs)
            if kwargs["file"] is None and settings.file:
                kwargs["file"] = settings.file
            return await preview_path(opened.source, opened.folder, **kwargs)
    except api.DiagnosisFailed as failed:
        report = failed.report
        if fmt == "json":
            click.echo(json_safe(json.dumps(report.to_dict(), indent=2, ensure_ascii=False)))
        root = report.root_cause
        if root:
            err.print(f"[red]✗[/] {escape(root.code)}: {escape(root.summary)}")
            for step in root.fix:
                err.print(f"    → {escape(step)}")
        err.print("the connection did not get as far as the data; run "
                  "[bold]sourcedoctor check[/] for the full diagnosis")
        sys.exit(ExitCode.FAILED)


async def _preview_rows(opened: Any, target: TargetProfile, kwargs: dict[str, Any]) -> RowPreview:
    """Sample ``--rows`` rows of the relation the URL (or ``--table``) names, or list the
    source's relations when it names none."""
    from ..preview.rows import preview_rows

    try:
        return await preview_rows(opened.source, opened.relation, rows=kwargs["rows"],
                                  target=target.name, limit=kwargs["max_entries"])
    except RowSourceError as exc:  # the server's words: shown, never obeyed
        Console(stderr=True).print(
            f"[red]✗[/] {escape(exc.kind)}: {escape(exc.relation)}"
            + (f" ({escape(exc.detail)})" if exc.detail else "")
            + "; run [bold]sourcedoctor check[/] for the full diagnosis")
        sys.exit(ExitCode.FAILED)


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _CELL else text[: _CELL - 1] + "…"


def _print_finding(err: Console, f: Finding) -> None:
    err.print(f"  {_MARK[f.severity]} [bold]{escape(f.code)}[/] {escape(f.summary)}")
    for step in f.fix:
        err.print(f"      → {escape(step)}")


def _describe(sample: SampleResult) -> str:
    bits = [sample.format]
    if sample.compression:
        bits.append(f"in {sample.compression}" + (f" ({sample.facts['member']})"
                                                    if "member" in sample.facts else ""))
    if sample.encoding:
        bits.append(sample.encoding + (" with BOM" if sample.bom else ""))
    if sample.line_ending:
        bits.append(sample.line_ending.upper())
    if sample.dialect:
        d = sample.dialect
        bits.append(f"delimiter {d.delimiter!r}" + ("" if d.header else ", no header"))
    bits.append(f"{sample.bytes_read} bytes read" + (" (head)" if sample.truncated else ""))
    return " · ".join(bits)


def _lake_refusals(sample: SampleResult) -> list[Finding]:
    """The findings that make the lake refuse ``sample``'s file (the rule ``ingest`` applies,
    lake/readable.py) that the target's own findings did not already show: a UTF-16 CSV reads
    under the generic target, but the lake refuses it."""
    from ..lake.readable import blocking_findings, is_archive

    if is_archive(sample):
        return []
    shown = {id(f) for f in sample.findings}
    return [f for f in blocking_findings(sample) if id(f) not in shown]


def _render(result: PreviewResult) -> None:
    out = Console()
    err = Console(stderr=True)
    if result.kind == "folder":
        more = ""
        if result.left_out:
            # Counting stops at 10x --max-entries: then the number is a floor, and says so.
            more = (f" (+at least {result.left_out} not listed; counting stopped)"
                    if result.left_out_at_least else f" (+{result.left_out} not listed)")
        err.print(f"[bold]{escape(result.path)}[/]: {len(result.entries)} entries{more}, "
                  f"{len(result.samples)} sampled, target {result.target}")
    for f in result.findings:
        _print_finding(err, f)
    for sample in result.samples:
        err.print(f"\n[bold]{escape(sample.path)}[/]  {escape(_describe(sample))}")
        for f in sample.findings:
            _print_finding(err, f)
        for f in _lake_refusals(sample):  # what `sourcedoctor ingest` would refuse, and why
            err.print(f"  [red]✗[/] cannot ingest: [bold]{escape(f.code)}[/] {escape(f.summary)}")
            for step in f.fix:
                err.print(f"      → {escape(step)}")
        if sample.columns:
            table = Table(title=f"{escape(sample.path)} — {len(sample.rows)} row(s)",
                          title_justify="left")
            for col in sample.columns:
                flag = "" if col.nullable else " !null"
                table.add_column(f"{escape(col.name)}\n[dim]{escape(col.type)}{flag}[/]",
                                 overflow="fold")
            for row in sample.rows:
                table.add_row(*(escape(_cell(row.get(c.name))) for c in sample.columns))
            out.print(table)
        for p in sample.problems[:20]:
            err.print(f"  [yellow]line {p.line}[/]: {escape(p.reason)}")
