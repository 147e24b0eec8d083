"""The bounded sample: take whole records from the head of a file, up to a row or byte cap.

DuckDB's readers have no "first N records including the bad ones" switch (LIMIT counts only the rows
that parsed), so the cap is applied to the bytes before DuckDB sees them: we keep whole lines until
N records are complete. Counting records here, independently of the reader, is also what lets a
batch prove ``rows_read = rows_ingested + rows_rejected``. This is the one place Python walks
lines, and only for a bounded sample (or to decompress a stream).

JSON values pretty-printed one after another are split here too (``JsonValueCutter``) and written
one value per line: DuckDB's reader can split such a stream (``format='unstructured'``) but stops at
the first malformed value and cannot skip it, so a bad record would sink the batch instead of
becoming a reject.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import io
import os
import re
import tempfile
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, cast

from .plan import IngestPlan

_CHUNK = 1 << 20


@dataclass(frozen=True)
class PreparedFile:
    """One file ready for DuckDB: ``plan.path`` is what DuckDB reads (maybe a temp copy).

    ``length`` is how many bytes of the (decompressed) content were taken from ``offset``;
    ``records`` is the independent record count (None when only the reader counts, e.g. Parquet or
    an unbounded local read); ``complete`` says whether the whole file was taken. ``skipped``
    names why an archive entry was not read (directory, symlink, other_format...): it is listed
    with the batch but contributes no rows.
    """

    plan: IngestPlan
    offset: int
    length: int
    records: int | None
    digest: str
    complete: bool
    temp: bool
    skipped: str | None = None

    def hash_key(self) -> str:
        """What the batch's content hash takes from this file (the bytes read and their range;
        for an archive entry also its name, so a renamed member is new content)."""
        key = f"{self.digest}:{self.offset}:{self.length}"
        if self.plan.member:
            key += f":{self.plan.member}:{self.skipped or ''}"
        return key

    def describe(self) -> dict[str, Any]:
        """This file's entry in the batch's ``files`` list."""
        entry: dict[str, Any] = {
            "file": self.plan.label,
            "format": self.plan.format,
            "offset": self.offset,
            "length": self.length,
            "complete": self.complete,
        }
        if self.plan.member:
            entry.update(archive=self.plan.archive, member=self.plan.member)
        if self.skipped:
            entry["skipped"] = self.skipped
        if self.plan.notes:
            entry["notes"] = [f.code for f in self.plan.notes]
        return entry

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


#: Longest single JSON value the splitter holds (DuckDB's own reader stops at 16 MiB per object).
JSON_VALUE_CAP = 64 << 20
_JSON_TOKEN = re.compile(rb'["\\{}\[\]]')
_NOT_SPACE = re.compile(rb"[^ \t\r\n]")
_SPACE = re.compile(rb"[ \t\r\n]")


class JsonValueCutter(RecordCutter):
    """Split a stream of JSON values (objects pretty-printed over several lines, one after
    another) and give each back on one line of its own, up to ``limit`` values.

    Line breaks between tokens become spaces. A raw line break inside a string (invalid JSON)
    becomes a raw tab, which is invalid too, so the value is still rejected as ``invalid_json``
    rather than silently repaired. Anything between values that is not an object or array
    (a number, a stray ``}``) is one record of its own, so it is rejected as well, never lost.
    """

    def __init__(self, *, limit: int | None = None, max_bytes: int | None = None) -> None:
        super().__init__(limit=limit, max_bytes=max_bytes)
        self._buf = bytearray()
        self._pos = 0  # scanned up to here
        self._start = -1  # where the current value starts; -1 between values
        self._depth = 0
        self._in_str = False
        self._loose = False  # the current value is a bare token (number, word, stray bracket)
        self._skip = -1  # position of a byte escaped by a backslash

    def _emit(self, end: int) -> bool:
        raw = bytes(self._buf[self._start:end])
        line = _one_line(raw) + b"\n"
        if self.max_bytes is not None and self.kept + len(line) > self.max_bytes:
            self.done = self.truncated = True
            return False
        self.kept += len(line)
        self.records += 1
        self._out.append(line)
        if self.limit is not None and self.records >= self.limit:
            self.done = True
        return True

    def _scan(self) -> None:
        buf = self._buf
        while not self.done:
            if self._start < 0:
                # Between values only whitespace is kept back: drop it, so the buffer holds at
                # most the value being read.
                m = _NOT_SPACE.search(buf, self._pos)
                if m is None:
                    buf.clear()
                    self._pos, self._skip = 0, -1
                    return
                del buf[:m.start()]
                self._start = self._pos = 0
                self._skip = -1
                c = buf[0]
                self._loose = c not in b"{[\""
                if self._loose:
                    continue
                self._depth = 0
            if self._loose:
                m = _SPACE.search(buf, self._pos)
                if m is None:
                    self._pos = len(buf)
                    return
                self._emit(m.start())
                self._start, self._pos = -1, m.start()
                continue
            m = _JSON_TOKEN.search(buf, self._pos)
            if m is None:
                self._pos = len(buf)
                return
            i = m.start()
            self._pos = i + 1
            if i == self._skip:
                continue
            c = buf[i]
            if self._in_str:
                if c == 0x5C:  # backslash
                    self._skip = i + 1
                elif c == 0x22:
                    self._in_str = False
                    if self._depth == 0:  # a bare string value
                        self._close(i + 1)
                continue
            if c == 0x22:
                self._in_str = True
            elif c in b"{[":
                self._depth += 1
            elif c in b"}]":
                self._depth -= 1
                if self._depth <= 0:
                    self._close(i + 1)

    def _close(self, end: int) -> None:
        self._emit(end)
        self._start = -1
        # Drop what is consumed, so the buffer holds at most one unfinished value.
        del self._buf[:end]
        self._pos -= end
        if self._skip >= 0:
            self._skip -= end

    def feed(self, chunk: bytes) -> bytes:
        if self.done:
            if chunk:
                self.truncated = True
            return b""
        self._out: list[bytes] = []
        self._buf += chunk
        self._scan()
        if len(self._buf) > JSON_VALUE_CAP:
            # One value larger than any record DuckDB reads: the batch ends before it.
            self.done = self.truncated = True
            self._buf.clear()
        if self.done and bytes(self._buf[max(self._pos, 0):]).strip():
            self.truncated = True
        return b"".join(self._out)

    def finish(self) -> bytes:
        self._out = []
        if not self.done and self._start >= 0:
            self._emit(len(self._buf))  # an unfinished last value: a record, rejected later
        elif self.done and self._buf.strip():
            self.truncated = True
        self._buf.clear()
        return b"".join(self._out)


def _one_line(value: bytes) -> bytes:
    if b"\n" not in value and b"\r" not in value:
        return value
    out = bytearray()
    in_str = esc = False
    for b in value:
        if in_str:
            if esc:
                esc = False
            elif b == 0x5C:
                esc = True
            elif b == 0x22:
                in_str = False
            out.append(0x09 if b in (0x0A, 0x0D) else b)
        else:
            in_str = b == 0x22
            out.append(0x20 if b in (0x0A, 0x0D) else b)
    return bytes(out)


def cutter_for(plan: IngestPlan, limit: int | None, max_bytes: int | None = None) -> RecordCutter:
    """A cutter with the plan's quoting and header rules."""
    if plan.format == "json_multiline":
        return JsonValueCutter(limit=limit, max_bytes=max_bytes)
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


class InflateReader(io.RawIOBase):
    """A deflate stream (zlib-wrapped or raw) read as a file, decompressing as it goes."""

    def __init__(self, raw: IO[bytes]) -> None:
        from ..preview.unpack import zlib_wbits

        self._raw = raw
        first = raw.read(_CHUNK)
        self._d = zlib.decompressobj(zlib_wbits(first))
        self._pending = first

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        while True:
            if self._d.eof:
                return 0
            if not self._pending and not self._d.unconsumed_tail:
                self._pending = self._raw.read(_CHUNK)
                if not self._pending:
                    raise EOFError("the deflate stream ends before its end marker")
            feed = self._d.unconsumed_tail or self._pending
            if feed is self._pending:
                self._pending = b""
            out = self._d.decompress(feed, len(view))
            if out:
                view[: len(out)] = out
                return len(out)

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_decompressed(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    """``raw`` read through the decompressor the lake streams (gzip, bzip2, deflate)."""
    if compression == "gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
    if compression == "bzip2":
        return cast(IO[bytes], bz2.BZ2File(raw, "rb"))
    if compression == "deflate":
        return cast(IO[bytes], io.BufferedReader(InflateReader(raw), _CHUNK))
    return raw


def _open(plan: IngestPlan) -> IO[bytes]:
    if plan.compression == "gzip":
        return cast(IO[bytes], gzip.open(plan.path, "rb"))
    if plan.compression == "bzip2":
        return cast(IO[bytes], bz2.open(plan.path, "rb"))
    if plan.compression == "deflate":
        return open_decompressed(open(plan.path, "rb"), "deflate")
    return open(plan.path, "rb")


def _temp_path(plan: IngestPlan, workdir: str | None) -> str:
    suffix = {"csv": ".csv", "json_lines": ".jsonl", "json_multiline": ".jsonl",
              "json_array": ".json", "parquet": ".parquet"}
    fd, name = tempfile.mkstemp(prefix="sd-ingest-", suffix=suffix[plan.format], dir=workdir)
    os.close(fd)
    return name


class DigestAhead:
    """The sha256 of a whole local file, computed in a thread of its own from now on.

    A file taken whole (no row cap) is hashed whole, and that does not depend on what sampling it
    finds: started before the sampling, the hash runs beside the sniffing instead of after it
    (hashlib and DuckDB both release the GIL; 57 ms of a 74 MB file's 0.7 s ingest). Only started
    for a file whose first bytes are no compression or archive, which are never hashed whole
    here; where it goes unused (a refused file, multi-line JSON that is rewritten) it is
    cancelled and stops at its next MiB. A daemon: a process that exits does not wait for it.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._digest: str | None = None
        self._done = threading.Event()
        self._cancelled = threading.Event()
        threading.Thread(target=self._hash, name="sd-digest", daemon=True).start()

    @classmethod
    def worth_starting(cls, path: str) -> DigestAhead | None:
        """A digest of ``path`` under way, or None where its head shows a compressed file."""
        from ..preview.magic import compression_of

        try:
            with open(path, "rb") as fh:
                head = fh.read(512)
        except OSError:
            return None
        return cls(path) if compression_of(head, path)[0] is None else None

    def _hash(self) -> None:
        h = hashlib.sha256()
        try:
            with open(self.path, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    if self._cancelled.is_set():  # not needed after all: stop reading
                        return
                    h.update(chunk)
            self._digest = h.hexdigest()
        except OSError:
            pass  # the caller hashes the file itself and meets the error there
        finally:
            self._done.set()

    def result(self) -> str | None:
        """The hex digest once done; None if the file could not be read or it was cancelled."""
        self._done.wait()
        return self._digest

    def cancel(self) -> None:
        """Stop hashing (the sampling refused the file, or it is not taken whole after all)."""
        self._cancelled.set()


def prepare_file(
    plan: IngestPlan,
    limit: int | None,
    *,
    workdir: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
    ahead: DigestAhead | None = None,
) -> PreparedFile:
    """Cut (and decompress) one file to its bounded sample; hash exactly what will be read.

    Parquet and JSON arrays cannot be cut by bytes (one document); they are taken whole and the row
    cap is applied by the reader. ``ahead``: the same file's whole digest, already under way.
    """
    whole_doc = plan.format in ("parquet", "json_array")
    # Multi-line JSON is always rewritten one value per line, so the JSON-lines reader takes it.
    splits = plan.format == "json_multiline"
    if plan.compression is None and (whole_doc or limit is None) and not splits:
        digest = ahead.result() if ahead is not None and ahead.path == plan.path else None
        if digest is None:
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
    except (OSError, EOFError, zlib.error) as exc:
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
