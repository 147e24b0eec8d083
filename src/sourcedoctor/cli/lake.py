"""``sourcedoctor lake list | show | batches | rejects | export``: look into the local lake.

Exit codes: 0 ok; 1 the lake is busy (another sourcedoctor is writing it); 2 bad input (unknown
dataset, unwritable output…).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ..exitcodes import ExitCode
from ..lake import Lake, LakeBusy, LakeError
from ..report.escape import for_markup as escape

_lake_option = click.option(
    "--lake",
    "lake_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Lake file (default: the user data directory's lake.duckdb).",
)
_format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@contextmanager
def _errors() -> Iterator[Console]:
    err = Console(stderr=True, highlight=False)
    try:
        yield err
    except LakeBusy as exc:
        click.echo(f"error: {exc.field}: {exc.message}", err=True)  # one line, never wrapped
        sys.exit(ExitCode.FAILED)
    except LakeError as exc:
        click.echo(f"error: {exc.field}: {exc.message}", err=True)
        sys.exit(ExitCode.USAGE)


def _cell(v: Any) -> str:
    if isinstance(v, datetime):
        return v.isoformat(timespec="seconds")
    return "" if v is None else str(v)


def _emit(
    rows: list[dict[str, Any]],
    fmt: str,
    columns: list[str],
    title: str,
    cell: Callable[[Any], str] = _cell,
) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, default=_cell))
        return
    # Column names and cells come from ingested files: controls shown, Rich markup not obeyed.
    table = Table(title=escape(title), title_justify="left")
    for c in columns:
        table.add_column(escape(c))
    for r in rows:
        table.add_row(*(escape(cell(r.get(c))) for c in columns))
    Console(highlight=False).print(table)


@click.group("lake")
def command() -> None:
    """Look into the local lake: datasets, batches, rejects; export a dataset."""


@command.command("list")
@_lake_option
@_format_option
def list_(lake_path: Path | None, fmt: str) -> None:
    """Datasets with row counts, identity column and last batch."""
    with _errors():
        lake = Lake(lake_path).require_file()
        _emit(
            lake.datasets(),
            fmt,
            ["name", "rows", "batches", "identity_column", "format", "last_batch_at"],
            f"datasets in {lake.path}",
        )


@command.command("show")
@click.argument("dataset")
@click.option("--rows", type=click.IntRange(0, 100_000), default=20, show_default=True,
              help="Rows to show (at most 100,000; export the dataset for more).")
@_lake_option
@_format_option
def show(dataset: str, rows: int, lake_path: Path | None, fmt: str) -> None:
    """The first rows of DATASET."""
    with _errors():
        names, data = Lake(lake_path).require_file().show(dataset, rows)
        _emit([dict(zip(names, r, strict=True)) for r in data], fmt, names, dataset)


@command.command("batches")
@click.option("--dataset", help="Only this dataset's batches.")
@_lake_option
@_format_option
def batches(dataset: str | None, lake_path: Path | None, fmt: str) -> None:
    """Every batch: source, byte ranges, counts, status, content hash."""
    with _errors():
        rows = Lake(lake_path).require_file().batches(dataset)
        if fmt == "text":
            for r in rows:
                r["files"] = _files_text(r["files"])
                r["content_hash"] = str(r["content_hash"])[:19]
        _emit(
            rows,
            fmt,
            [
                "batch_id",
                "dataset",
                "status",
                "rows_read",
                "rows_ingested",
                "rows_rejected",
                "files",
                "finished_at",
                "content_hash",
            ],
            "batches",
        )


def _files_text(files: list[dict[str, Any]]) -> str:
    """Each file with its byte range; an archive once, then its members (skipped ones say why);
    a table's or a stream's rows with their count."""
    parts: list[str] = []
    archive = None
    for f in files:
        if "relation" in f:  # rows of a table or a stream (lake/rows.py): rows, no byte range
            archive = None
            parts.append(f"{f['relation']} [{f.get('rows_read', 0)} rows]")
            continue
        name = f.get("member") or f["file"]
        if f.get("archive") and f["archive"] != archive:
            archive = f["archive"]
            name = f"{archive}: {name}"
        elif not f.get("archive"):
            archive = None
        span = (f"skipped: {f['skipped']}" if f.get("skipped")
                else f"{f['offset']}–{f['offset'] + f['length']}")
        parts.append(f"{name} [{span}]")
    return "; ".join(parts)


@command.command("rejects")
@click.argument("batch", type=click.IntRange(1, 2**31 - 1), required=False)  # batch_id INTEGER
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True)
@_lake_option
@_format_option
def rejects(batch: int | None, limit: int, lake_path: Path | None, fmt: str) -> None:
    """Rejected records (of BATCH, or all) with line/record number, reason and raw text."""
    with _errors():
        rows = Lake(lake_path).require_file().rejects(batch, limit=limit)
        _emit(
            rows, fmt, ["batch_id", "file", "line", "record", "reason", "detail", "raw"], "rejects"
        )


@command.command("export")
@click.argument("dataset")
@click.option("--parquet", "parquet", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--csv", "csv_", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@_lake_option
def export(dataset: str, parquet: Path | None, csv_: Path | None, force: bool,
           lake_path: Path | None) -> None:
    """Write DATASET to a Parquet or CSV file (an existing file only with --force)."""
    with _errors() as err:
        if (parquet is None) == (csv_ is None):
            raise LakeError("export", "give exactly one of --parquet FILE or --csv FILE")
        out, fmt = (parquet, "parquet") if parquet else (csv_, "csv")
        assert out is not None
        n = Lake(lake_path).require_file().export(dataset, out, fmt, force=force, field=f"--{fmt}")
        err.print(f"exported {n} rows of {dataset} to {out}", markup=False)
