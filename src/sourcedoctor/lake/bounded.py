"""The bounded sample: take whole records from the head of a file, up to a row or byte cap.

DuckDB's readers have no "first N records including the bad ones" switch (LIMIT counts only the rows
that parsed), so the cap is applied to the bytes before DuckDB sees them: we keep whole lines until
N records are complete. Counting records here, independently of the reader, is also what lets a
batch prove ``rows_read = rows_ingested + rows_rejected``. This is the one place Python walks
lines, and only for a bounded sample (or to decompress a stream).
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, cast

from .plan import IngestPlan

_CHUNK = 1 << 20


@dataclass(frozen=True)
class PreparedFile:
    """One file ready for DuckDB: ``plan.path`` is what DuckDB reads (maybe a temp copy).

    ``length`` is how many bytes of the (decompressed) content were taken from ``offset``;
    ``records`` is the independent record count (None when only the reader counts, e.g. Parquet or
    an unbounded local read); ``complete`` says whether the whole file was taken.
    """

    plan: IngestPlan
    offset: int
    length: int
    records: int | None
    digest: str
    complete: bool
    temp: bool

    def discard(self) -> None:
        """Delete the temp copy, if any."""
        if self.temp:
            with contextlib.suppress(OSError):
                os.unlink(self.plan.path)


class RecordCutter:
    """Feed bytes in; get back the bytes that belong to the first ``limit`` records.

    A record ends at a newline outside quotes; blank lines are not records (DuckDB skips them);
    ``header_lines`` lines at the top are kept but not counted. ``limit=None`` passes everything
    through (still honouring ``max_bytes``).
    """

    def __init__(
        self,
        *,
        quote: str = "",
        escape: str = "",
        header_lines: int = 0,
        limit: int | None = None,
        max_bytes: int | None = None,
        count: bool = True,
    ) -> None:
        self._quote = quote.encode() if quote else b""
        self._escape = escape.encode() if escape and escape != quote else b""
        self._header_left = header_lines
        self.limit = limit
        self.max_bytes = max_bytes
        self.count = count or limit is not None
        self.records = 0
        self.kept = 0
        self.done = False
        self.truncated = False  # stopped by a cap before the end of the input
        self._pending = b""
        self._in_quote = False

    def _line(self, line: bytes) -> bool:
        """Account for one complete line (with its newline); True when it is kept."""
        if self.max_bytes is not None and self.kept + len(line) > self.max_bytes:
            self.done = self.truncated = True
            return False
        self.kept += len(line)
        if self._header_left > 0 and not self._in_quote:
            self._header_left -= 1
            return True
        if self._quote:
            body = line
            if self._escape:
                body = body.replace(self._escape + self._escape, b"").replace(
                    self._escape + self._quote, b""
                )
            if body.count(self._quote) % 2:
                self._in_quote = not self._in_quote
        if not self._in_quote and line.strip(b"\r\n \t"):
            self.records += 1
            if self.limit is not None and self.records >= self.limit:
                self.done = True
        return True

    def feed(self, chunk: bytes) -> bytes:
        """The part of ``chunk`` to keep (only whole lines; a partial last line waits)."""
        if self.done:
            if chunk:
                self.truncated = True
            return b""
        if not self.count and self.max_bytes is None:
            self.kept += len(chunk)
            return chunk
        data = self._pending + chunk
        lines = data.split(b"\n")
        self._pending = lines.pop()
        out: list[bytes] = []
        for line in lines:
            if self.done:
                self.truncated = True
                break
            if not self._line(line + b"\n"):
                break
            out.append(line + b"\n")
        if self.done and (self._pending or len(out) < len(lines)):
            self.truncated = True
        return b"".join(out)

    def finish(self) -> bytes:
        """Call at end of input: the last line without a newline, if it fits."""
        rest, self._pending = self._pending, b""
        if self.done or not rest:
            if rest:
                self.truncated = True
            return b""
        return rest if self._line(rest) else b""


def cutter_for(plan: IngestPlan, limit: int | None, max_bytes: int | None = None) -> RecordCutter:
    """A cutter with the plan's quoting and header rules."""
    if plan.format == "csv":
        header_lines = plan.skip_rows + (1 if plan.header else 0)
        return RecordCutter(
            quote=plan.quote,
            escape=plan.escape,
            header_lines=header_lines,
            limit=limit,
            max_bytes=max_bytes,
        )
    return RecordCutter(limit=limit, max_bytes=max_bytes)


def _open(plan: IngestPlan) -> IO[bytes]:
    if plan.compression == "gzip":
        return cast(IO[bytes], gzip.open(plan.path, "rb"))
    if plan.compression == "bzip2":
        return cast(IO[bytes], bz2.open(plan.path, "rb"))
    return open(plan.path, "rb")


def _temp_path(plan: IngestPlan, workdir: str | None) -> str:
    suffix = {"csv": ".csv", "json_lines": ".jsonl", "json_array": ".json", "parquet": ".parquet"}
    fd, name = tempfile.mkstemp(prefix="sd-ingest-", suffix=suffix[plan.format], dir=workdir)
    os.close(fd)
    return name


def prepare_file(
    plan: IngestPlan,
    limit: int | None,
    *,
    workdir: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> PreparedFile:
    """Cut (and decompress) one file to its bounded sample; hash exactly what will be read.

    Parquet and JSON arrays cannot be cut by bytes (one document); they are taken whole and the row
    cap is applied by the reader.
    """
    whole_doc = plan.format in ("parquet", "json_array")
    if plan.compression is None and (whole_doc or limit is None):
        with open(plan.path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        size = os.path.getsize(plan.path)
        if on_bytes:
            on_bytes(size)
        return PreparedFile(plan, 0, size, None, digest, True, False)
    cutter = cutter_for(plan, None if whole_doc else limit)
    if whole_doc:
        cutter.count = False
    out_path = _temp_path(plan, workdir)
    h = hashlib.sha256()
    try:
        with _open(plan) as src, open(out_path, "wb") as dst:
            while not cutter.done:
                chunk = src.read(_CHUNK)
                if not chunk:
                    break
                keep = cutter.feed(chunk)
                h.update(keep)
                dst.write(keep)
                if on_bytes:
                    on_bytes(len(chunk))
            if cutter.done:
                cutter.truncated = cutter.truncated or bool(src.read(1))
            else:
                tail = cutter.finish()
                h.update(tail)
                dst.write(tail)
    except (OSError, EOFError) as exc:
        os.unlink(out_path)
        from .errors import LakeError

        raise LakeError("file", f"{plan.label}: cannot read it ({exc})") from None
    records = None if whole_doc else cutter.records
    return PreparedFile(
        plan.with_path(out_path, compression=None),
        0,
        cutter.kept,
        records,
        h.hexdigest(),
        not cutter.truncated,
        True,
    )


class CappedFiles:
    """Prepared files taken in order until the row cap is used up.

    Used as a context manager: if anything fails while files are being prepared, every temp copy
    made so far is discarded, so a failed batch leaves nothing behind."""

    def __init__(self, limit: int | None) -> None:
        self.preps: list[PreparedFile] = []
        #: Rows still allowed (None: no cap).
        self.remaining = limit

    @property
    def full(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def add(self, prep: PreparedFile) -> None:
        self.preps.append(prep)
        if self.remaining is not None and prep.records is not None:
            self.remaining -= prep.records

    def __enter__(self) -> CappedFiles:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is not None:
            for prep in self.preps:
                prep.discard()
