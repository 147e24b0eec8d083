"""IngestPlan: how DuckDB reads one local file, built from the preview's SampleResult.

The preview's sampler decides format, compression, encoding, dialect and column types; the lake
uses them as they are, so ``sourcedoctor preview`` and ``sourcedoctor ingest`` agree on every file.
DuckDB's own ``sniff_csv`` only fills in what a sample did not say.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ..duckdb_connect import connect_duckdb
from .errors import LakeError
from .readable import notes, refuse_unreadable
from .sampling import Sampling, sample_local

if TYPE_CHECKING:
    from ..model import Finding
    from ..preview.model import SampleResult


@dataclass(frozen=True)
class IngestPlan:
    """Everything needed to read one local file with DuckDB's readers.

    ``columns`` are (name as in the file, DuckDB type); empty means "let the reader infer".
    ``origin`` is what the user knows the file as (a local path or an sftp URL); never a secret.
    For a member of an archive, ``archive`` is the archive's origin and ``member`` its name inside
    the archive (both become the rows' lineage columns); ``origin`` is then ``archive!member``.
    """

    path: str
    format: str
    origin: str = ""
    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'
    header: bool = True
    skip_rows: int = 0
    encoding: str | None = None
    compression: str | None = None
    columns: tuple[tuple[str, str], ...] = ()
    #: The preview's findings the lake ingests through (ragged rows, target-only rules...).
    notes: tuple[Finding, ...] = field(default=(), compare=False)
    archive: str = ""
    member: str = ""

    @property
    def label(self) -> str:
        return self.origin or self.path

    def with_path(self, path: str, *, compression: str | None) -> IngestPlan:
        """The same plan reading another (already cut/decompressed) copy of the file."""
        return replace(self, path=path, compression=compression, origin=self.label)


def _empty_to_none(value: str | None) -> str:
    return "" if value in (None, "(empty)", "\\0") else str(value)


def sniff_csv_plan(plan: IngestPlan) -> IngestPlan:
    """Fill dialect and column types from DuckDB's ``sniff_csv`` (errors ignored while sniffing,
    so a few bad rows do not derail the dialect)."""
    args = ["ignore_errors=true"]
    if plan.compression:
        args.append(f"compression='{plan.compression}'")
    if plan.encoding in ("latin-1", "iso-8859-1"):
        args.append("encoding='latin-1'")
    con = connect_duckdb()
    try:
        row = con.execute(
            "SELECT Delimiter, Quote, Escape, HasHeader, SkipRows, Columns "
            f"FROM sniff_csv(?, {', '.join(args)})",
            [plan.path],
        ).fetchone()
    except duckdb.Error as exc:
        raise LakeError(
            "file", f"{plan.label}: DuckDB cannot read it as CSV ({_first_line(exc)})"
        ) from None
    finally:
        con.close()
    assert row is not None
    delim, quote, escape, header, skip, cols = row
    return replace(
        plan,
        delimiter=_empty_to_none(delim) or ",",
        quote=_empty_to_none(quote),
        escape=_empty_to_none(escape),
        header=bool(header),
        skip_rows=int(skip or 0),
        columns=tuple((c["name"], c["type"]) for c in cols),
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def plan_for_path(
    path: str | os.PathLike[str], *, origin: str = "", sampling: Sampling | None = None
) -> IngestPlan:
    """Sample a local file with the preview's sampler and plan its read (see
    :func:`plan_from_sample`); raises :class:`~.readable.DataRefused` when it cannot be read."""
    p = Path(path)
    if not p.is_file():
        raise LakeError("path", f"{p} is not a readable file")
    return plan_from_sample(sample_local(str(p), sampling), str(p), origin=origin)


def plan_from_sample(
    sample: SampleResult, path: str | None = None, *, origin: str = ""
) -> IngestPlan:
    """Turn the preview's SampleResult into a plan; ``path``: the local copy (default sample.path).

    A sample showing a file the lake cannot read (empty, unknown bytes, xz, UTF-16...; an archive
    is expanded by :mod:`.archives` before it gets here)
    raises :class:`~.readable.DataRefused` with the preview's finding. Otherwise the sniffed
    dialect, encoding, compression and column types are used as they are; DuckDB's own sniffer
    fills in only what the sample did not say.
    """
    refuse_unreadable(sample, origin or sample.path)
    plan = IngestPlan(
        path=path or sample.path,
        format=sample.format,  # one of readable.FORMATS, or refused above
        origin=origin or sample.path,
        encoding=(sample.encoding or None),
        compression=sample.compression,
        notes=notes(sample),
    )
    if plan.format != "csv":
        return plan
    if sample.dialect is None:
        return sniff_csv_plan(plan)
    d = sample.dialect
    plan = replace(
        plan,
        delimiter=d.delimiter,
        quote=d.quote or "",
        escape=d.escape or "",
        header=d.header,
        skip_rows=d.skip_rows,
    )
    if sample.columns:
        return replace(plan, columns=tuple((c.name, c.type or "VARCHAR") for c in sample.columns))
    sniffed = sniff_csv_plan(plan)
    return replace(plan, columns=sniffed.columns)
