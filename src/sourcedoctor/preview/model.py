"""The data the sample/preview layer returns (shared by the check, the CLI, the TUI, the lake)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..model import Finding
from ..sources.base import FileEntry


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
    json_multiline, parquet, empty, unknown. ``compression`` is None or gzip, bzip2, zip, tar,
    tar.gz, or an unsupported one (xz, zstd, 7z, rar...). ``confidence`` maps a detection ("format",
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


@dataclass(frozen=True)
class PreviewResult:
    """A preview of a folder or one file: what was listed, what was sampled, what was found.

    ``kind`` is "file" or "folder"; ``entries`` is the bounded listing (a folder) or the one file;
    ``left_out`` counts listing entries beyond the cap (a lower bound when ``left_out_at_least``:
    counting stopped at a multiple of the cap); ``findings`` are folder-level (naming,
    consistency, empty folder); each sample carries its own findings.
    """

    path: str
    kind: str
    target: str
    entries: tuple[FileEntry, ...] = ()
    left_out: int = 0
    samples: tuple[SampleResult, ...] = ()
    left_out_at_least: bool = False
    findings: tuple[Finding, ...] = ()
    listing_errors: tuple[str, ...] = ()

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        """Folder findings, then each sample's findings in sampling order."""
        return self.findings + tuple(f for s in self.samples for f in s.findings)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (the ``preview --format json`` output)."""
        return {
            "path": self.path,
            "kind": self.kind,
            "target": self.target,
            "entries": [entry_to_dict(e) for e in self.entries],
            "left_out": self.left_out,
            "left_out_at_least": self.left_out_at_least,
            "listing_errors": list(self.listing_errors),
            "findings": [f.to_dict() for f in self.findings],
            "samples": [sample_to_dict(s) for s in self.samples],
        }


def entry_to_dict(entry: FileEntry) -> dict[str, Any]:
    """One listing entry as JSON."""
    return {"path": entry.path, "name": entry.name, "size": entry.size, "mtime": entry.mtime,
            "kind": entry.kind}


def sample_to_dict(sample: SampleResult) -> dict[str, Any]:
    """A SampleResult as JSON (rows are already JSON-safe)."""
    return {
        "path": sample.path,
        "size": sample.size,
        "format": sample.format,
        "compression": sample.compression,
        "encoding": sample.encoding,
        "bom": sample.bom,
        "line_ending": sample.line_ending,
        "dialect": asdict(sample.dialect) if sample.dialect else None,
        "columns": [asdict(c) for c in sample.columns],
        "rows": list(sample.rows),
        "problems": [asdict(p) for p in sample.problems],
        "confidence": dict(sample.confidence),
        "findings": [f.to_dict() for f in sample.findings],
        "bytes_read": sample.bytes_read,
        "truncated": sample.truncated,
        "members": list(sample.members),
        "facts": dict(sample.facts),
    }
