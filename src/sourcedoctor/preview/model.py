"""The data the sample/preview layer returns (shared by the check, the CLI, the TUI and the lake)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Finding


@dataclass(frozen=True)
class Dialect:
    """How a delimited file is written, as DuckDB's sniffer (or our checks) saw it."""

    delimiter: str = ","
    quote: str | None = '"'
    escape: str | None = '"'
    header: bool = True
    newline: str = "\n"
    skip_rows: int = 0


@dataclass(frozen=True)
class Column:
    """One inferred column: name, DuckDB type, whether nulls were seen, a few example values."""

    name: str
    type: str
    nullable: bool = True
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowProblem:
    """A problem tied to a position in the sample (1-based line or record number)."""

    line: int
    reason: str
    raw: str = ""


@dataclass(frozen=True)
class SampleResult:
    """Everything learned from the head of one file.

    ``format`` is one of: csv (any single- or multi-char delimiter), json_lines, json_array,
    json_multiline, parquet, empty, unknown. ``compression`` is None or gzip, bzip2, zip, tar, tar.gz,
    or an unsupported one (xz, zstd, 7z, rar...). ``confidence`` maps a detection ("format",
    "encoding", "dialect", "header") to 0..1.
    """

    path: str
    size: int | None
    format: str
    compression: str | None = None
    encoding: str | None = None
    bom: bool = False
    line_ending: str | None = None
    dialect: Dialect | None = None
    columns: tuple[Column, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    problems: tuple[RowProblem, ...] = ()
    confidence: dict[str, float] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    bytes_read: int = 0
    truncated: bool = False  # the sample ended before the file did
    members: tuple[str, ...] = ()  # other members of an archive
    facts: dict[str, Any] = field(default_factory=dict)
