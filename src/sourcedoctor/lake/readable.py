"""What the lake can read, and the findings that say why a sampled file cannot be ingested.

The preview judges a file against the *target's* rules; the lake has its own, narrower limits
(DuckDB's readers, and the byte-level record cutter that bounds a batch). A file is refused before
any DuckDB work when the preview's sample shows it cannot be read, so the user sees the finding
code and its fix instead of a reader error from deep inside DuckDB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import codes
from ..model import Finding, Severity
from .errors import LakeError

if TYPE_CHECKING:
    from ..preview.model import SampleResult

#: Formats the lake reads, and the compressions it can stream (others: decompress first).
FORMATS = ("csv", "json_lines", "json_multiline", "json_array", "parquet")
COMPRESSIONS = (None, "gzip", "bzip2", "deflate")
#: Archives the lake opens and ingests member by member (see :mod:`.archives`).
ARCHIVES = ("zip", "tar", "tar.gz", "tar.bz2")

#: Text encodings per format. DuckDB's CSV reader also knows UTF-16, but the record cutter that
#: bounds a batch splits on single newline bytes, so only single-byte-newline encodings qualify;
#: DuckDB's JSON functions read UTF-8 only.
ENCODINGS: dict[str, frozenset[str]] = {
    "csv": frozenset({"utf-8", "ascii", "iso-8859-1"}),
    "json_lines": frozenset({"utf-8", "ascii"}),
    "json_multiline": frozenset({"utf-8", "ascii"}),
    "json_array": frozenset({"utf-8", "ascii"}),
}

#: Preview findings that mean the sample itself could not be read or parsed at all.
_ALWAYS_BLOCKING = frozenset({
    "data.empty_file",
    "data.format_unknown",
    "file.unreadable",
    "file.permission_denied",
    "check.timeout",
    "check.internal_error",
})


class DataRefused(LakeError):
    """The preview's sample shows the lake cannot read a file; ``findings`` say why and how to
    fix it (the first one is the root cause)."""

    def __init__(self, label: str, findings: tuple[Finding, ...]) -> None:
        first = findings[0]
        super().__init__("file", f"{label}: {first.code}: {first.summary}")
        self.label = label
        self.findings = findings


def _name(sample: SampleResult) -> str:
    return sample.path.rstrip("/").rsplit("/", 1)[-1] or sample.path


def _compression_finding(sample: SampleResult) -> Finding:
    name = _name(sample)
    return codes.make_finding(
        "data.compression_unsupported",
        f"{name} is compressed as {sample.compression}; the lake reads plain, gzip, bzip2 and "
        "deflate files and zip and tar archives",
        evidence={"file": name, "compression": sample.compression,
                  "lake_reads": [c for c in (*COMPRESSIONS, *ARCHIVES) if c]},
        fix=[f"Decompress {name} (or recompress it as gzip) and ingest the result."],
    )


def _format_finding(sample: SampleResult) -> Finding:
    name = _name(sample)
    return codes.make_finding(
        "data.format_unknown",
        f"{name} is {sample.format}, not delimited text, JSON or Parquet",
        evidence={"file": name, "format": sample.format},
    )


def _encoding_finding(sample: SampleResult, allowed: frozenset[str]) -> Finding:
    from ..preview.encoding import iconv_name  # the preview's iconv names, for the exact command

    name = _name(sample)
    enc = sample.encoding or "unknown"
    return codes.make_finding(
        "data.encoding",
        f"{name} is encoded as {enc}, which the lake cannot read for {sample.format} files",
        evidence={"file": name, "encoding": enc, "bom": sample.bom, "lake_reads": sorted(allowed)},
        fix=[f"Convert it: iconv -f {iconv_name(enc)} -t UTF-8 {name} > {name}.utf8 "
             "and ingest the converted file"],
    )


def blocking_findings(sample: SampleResult) -> tuple[Finding, ...]:
    """The findings that stop the lake from reading ``sample``'s file; empty when it can.

    The preview's own finding is used when it already says the right thing (an empty file,
    unknown bytes, an unsupported encoding with its iconv command); one is made for limits only the
    lake has (xz or zstd, UTF-16 text). Archives are judged by :func:`archive_blocking` instead.
    """
    found = [f for f in sample.findings if f.code in _ALWAYS_BLOCKING]
    if sample.compression not in COMPRESSIONS or any(
        f.code == "data.compression_unsupported" and "problem" in f.evidence
        for f in sample.findings
    ):
        own = [f for f in sample.findings if f.code == "data.compression_unsupported"]
        found += own or [_compression_finding(sample)]
    if not found and sample.format not in FORMATS:
        found.append(_format_finding(sample))
    allowed = ENCODINGS.get(sample.format)
    if not found and allowed is not None and sample.encoding and sample.encoding not in allowed:
        own = [f for f in sample.findings
               if f.code == "data.encoding" and "undecodable" not in f.evidence]
        found += own or [_encoding_finding(sample, allowed)]
    unique: dict[int, Finding] = {}
    for f in found:  # findings hold dicts (unhashable): de-duplicate by identity
        unique.setdefault(id(f), f)
    return tuple(unique.values())


def is_archive(sample: SampleResult) -> bool:
    """Is ``sample`` the head of an archive the lake ingests member by member?"""
    return sample.compression in ARCHIVES


def archive_blocking(sample: SampleResult) -> tuple[Finding, ...]:
    """What stops the lake from opening an archive at all: only that the file itself could not
    be read. What the preview found in the first member (another format, a bomb, an unreadable
    method) is judged again for every member as it is read, and only that member is skipped."""
    return tuple(f for f in sample.findings if f.code in _ALWAYS_BLOCKING
                 and f.code not in ("data.format_unknown", "data.empty_file"))


def notes(sample: SampleResult) -> tuple[Finding, ...]:
    """The preview's other findings worth showing next to the batch (warnings and failures the
    lake can still ingest through, e.g. ragged rows, which become rejects)."""
    blocking = {id(f) for f in blocking_findings(sample)}
    return tuple(f for f in sample.findings
                 if f.severity >= Severity.WARN and id(f) not in blocking)


def refuse_unreadable(sample: SampleResult, label: str) -> None:
    """Raise :class:`DataRefused` when the lake cannot read ``sample``'s file."""
    found = blocking_findings(sample)
    if found:
        raise DataRefused(label, found)
