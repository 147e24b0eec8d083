"""IngestPlan: how to read one local file (from the preview's SampleResult or DuckDB's sniffer)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from .errors import LakeError

if TYPE_CHECKING:
    from ..preview.model import SampleResult

#: Formats the lake reads, and the compressions it can stream (others: decompress first).
FORMATS = ("csv", "json_lines", "json_array", "parquet")
COMPRESSIONS = (None, "gzip", "bzip2")

_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class IngestPlan:
    """Everything needed to read one local file with DuckDB's readers.

    ``columns`` are (name as in the file, DuckDB type); empty means "let the reader infer".
    ``origin`` is what the user knows the file as (a local path or an sftp URL); never a secret.
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

    @property
    def label(self) -> str:
        return self.origin or self.path

    def with_path(self, path: str, *, compression: str | None) -> IngestPlan:
        """The same plan reading another (already cut/decompressed) copy of the file."""
        return replace(self, path=path, compression=compression, origin=self.label)


def _empty_to_none(value: str | None) -> str:
    return "" if value in (None, "(empty)", "\\0") else str(value)


def detect_compression(head: bytes) -> str | None:
    """Compression from magic bytes (the name can lie)."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bzip2"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xfd7zXZ"):
        return "xz"
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "zstd"
    return None


def _decompressed_head(path: str, compression: str | None) -> bytes:
    import bz2
    import gzip

    openers: dict[str | None, Callable[..., Any]] = {
        None: open,
        "gzip": gzip.open,
        "bzip2": bz2.open,
    }
    opener = openers[compression]
    with opener(path, "rb") as fh:
        return bytes(fh.read(_SNIFF_BYTES))


def detect_format(head: bytes, name: str) -> str:
    """csv, json_lines, json_array or parquet from the first bytes (the name breaks ties)."""
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        return "json_array"
    if text.startswith(b"{"):
        return "json_lines"
    if name.lower().endswith((".jsonl", ".ndjson")):
        return "json_lines"
    return "csv"


def sniff_csv_plan(plan: IngestPlan) -> IngestPlan:
    """Fill dialect and column types from DuckDB's ``sniff_csv`` (errors ignored while sniffing,
    so a few bad rows do not derail the dialect)."""
    args = ["ignore_errors=true"]
    if plan.compression:
        args.append(f"compression='{plan.compression}'")
    if plan.encoding in ("latin-1", "iso-8859-1"):
        args.append("encoding='latin-1'")
    con = duckdb.connect()
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


def plan_for_path(path: str | os.PathLike[str], *, origin: str = "") -> IngestPlan:
    """Sniff a local file with DuckDB alone (no preview module needed)."""
    p = Path(path)
    if not p.is_file():
        raise LakeError("path", f"{p} is not a readable file")
    with p.open("rb") as fh:
        raw_head = fh.read(_SNIFF_BYTES)
    compression = detect_compression(raw_head)
    if compression not in COMPRESSIONS:
        raise LakeError(
            "file", f"{p}: {compression} compression is not read by the lake; decompress it first"
        )
    head = _decompressed_head(str(p), compression) if compression else raw_head
    fmt = detect_format(head, p.name.removesuffix(".gz").removesuffix(".bz2"))
    plan = IngestPlan(path=str(p), format=fmt, origin=origin, compression=compression)
    if fmt == "csv":
        plan = sniff_csv_plan(plan)
    return plan


_SAMPLE_FORMATS = {
    "csv": "csv",
    "json_lines": "json_lines",
    "json_array": "json_array",
    "parquet": "parquet",
}


def plan_from_sample(
    sample: SampleResult, path: str | None = None, *, origin: str = ""
) -> IngestPlan:
    """Turn the preview's SampleResult into a plan; ``path``: the local copy (default sample.path).

    The sniffed dialect, encoding, compression and column types are used as they are; DuckDB's own
    sniffer fills in only what the sample did not say.
    """
    local = path or sample.path
    fmt = _SAMPLE_FORMATS.get(sample.format)
    if fmt is None:
        raise LakeError(
            "file",
            f"{origin or sample.path}: format {sample.format!r} cannot be ingested "
            "(the lake reads delimited text, JSON lines/array and Parquet)",
        )
    if sample.compression not in COMPRESSIONS:
        raise LakeError(
            "file",
            f"{origin or sample.path}: {sample.compression} compression is not "
            "read by the lake; decompress it first",
        )
    plan = IngestPlan(
        path=local,
        format=fmt,
        origin=origin or sample.path,
        encoding=(sample.encoding or None),
        compression=sample.compression,
    )
    if fmt != "csv":
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
