"""Sample one file: read its head (and, for Parquet and zip, a range at its end), then sniff.

``sample_bytes`` is the pure part (bytes in, SampleResult out); ``sample_file`` reads through any
FileSource. Neither raises for a data or source problem: those become findings in the result.
"""

from __future__ import annotations

import asyncio
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .. import codes
from ..model import Finding
from ..sources.base import FileEntry, FileSource, SourceError
from ..targets import TargetProfile
from . import magic
from .delimited import read_delimited
from .encoding import Decoded, decode, iconv_name, line_ending
from .headread import read_head
from .jsondata import read_json
from .model import Column, Dialect, RowProblem, SampleResult
from .parquet import read_parquet
from .unpack import unpack

DEFAULT_HEAD = 1 << 20
#: zip keeps its member list at the end: this much of the tail is read to list the members.
ZIP_TAIL = 64 * 1024 + 22
#: Share of undecodable characters above which text is called binary rather than mis-encoded.
_BINARY_SHARE = 0.1

Fetch = Callable[[int, int], bytes]


@dataclass
class _Acc:
    """Mutable accumulator while sniffing; frozen into a SampleResult at the end."""

    path: str
    size: int | None
    format: str = "unknown"
    compression: str | None = None
    encoding: str | None = None
    bom: bool = False
    line_ending: str | None = None
    dialect: Dialect | None = None
    columns: tuple[Column, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    problems: list[RowProblem] = field(default_factory=list)
    confidence: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    bytes_read: int = 0
    truncated: bool = False
    members: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    def freeze(self) -> SampleResult:
        return SampleResult(
            path=self.path, size=self.size, format=self.format, compression=self.compression,
            encoding=self.encoding, bom=self.bom, line_ending=self.line_ending,
            dialect=self.dialect, columns=self.columns, rows=self.rows,
            problems=tuple(self.problems), confidence=dict(self.confidence),
            findings=tuple(self.findings), bytes_read=self.bytes_read, truncated=self.truncated,
            members=self.members, facts=dict(self.facts))


def sample_bytes(head: bytes, *, name: str, size: int | None, target: TargetProfile,
                 rows: int = 100) -> SampleResult:
    """Sniff and preview ``head``, the first bytes of a file called ``name`` of ``size`` bytes.

    Pure: no I/O beyond private temporary files for DuckDB. Never raises for bad data.
    """
    return _guarded(head, name=name, size=size, target=target, rows=rows, fetch=None)


def _guarded(head: bytes, *, name: str, size: int | None, target: TargetProfile, rows: int,
             fetch: Fetch | None, path: str | None = None,
             out_cap: int | None = None) -> SampleResult:
    acc = _Acc(path=path or name, size=size, bytes_read=len(head))
    try:
        _sniff(acc, head, name, size, target, rows, fetch,
               max(len(head), DEFAULT_HEAD) if out_cap is None else out_cap)
    except _FetchFailed:
        raise  # a source error while fetching a range: reported by sample_file
    except Exception as exc:  # a bug in a sniffer must not become an outage of the whole run
        tb_id = uuid.uuid4().hex[:8]
        acc.findings.append(codes.make_finding(
            "check.internal_error", f"sampling {name} crashed ({type(exc).__name__})",
            evidence={"file": name, "traceback_id": tb_id, "exception": type(exc).__name__,
                      "traceback": traceback.format_exc(limit=8)[-2000:]},
            traceback_id=tb_id))
    return acc.freeze()


def _sniff(acc: _Acc, head: bytes, name: str, size: int | None, target: TargetProfile,
           rows: int, fetch: Fetch | None, out_cap: int) -> None:
    whole = size is not None and size <= len(head)
    if size == 0 or (whole and not head):
        acc.format = "empty"
        acc.confidence["format"] = 1.0
        acc.findings.append(codes.make_finding(
            "data.empty_file", f"{name} is empty (0 bytes)", evidence={"file": name, "size": 0}))
        return
    payload, truncated = head, not whole
    compression, readable = magic.compression_of(head, name)
    if compression is not None:
        acc.compression = compression
        if not readable:
            acc.findings.append(codes.make_finding(
                "data.compression_unsupported",
                f"{name} is compressed with {compression}, which cannot be read",
                evidence={"file": name, "compression": compression,
                          "first_bytes": magic.hex_preview(head)},
                fix=[f"Recompress as gzip: {_decompress_cmd(compression, name)} | gzip > "
                     f"{_stem(name)}.gz"]))
            return
        tail = None
        if compression == "zip" and fetch is not None and size is not None and not whole:
            start = max(0, size - ZIP_TAIL)
            tail = fetch(start, size - start)
            acc.bytes_read += len(tail)
        elif compression == "zip" and whole:
            tail = head
        un = unpack(head, compression, whole=whole, out_cap=out_cap, tail=tail, size=size)
        acc.compression = un.compression
        acc.members = un.members
        if un.member:
            acc.facts["member"] = un.member
        if un.member_count is not None:
            acc.facts["member_count"] = un.member_count
        if un.problem:
            acc.findings.append(_compression_problem(name, un.compression or compression,
                                                     un.problem, un.evidence))
        if target.compressions is not None and un.compression not in target.compressions:
            acc.findings.append(codes.make_finding(
                "data.compression_unsupported",
                f"{name} is {un.compression}, which the {target.name} target cannot decompress",
                evidence={"file": name, "compression": un.compression,
                          "supported": sorted(target.compressions)}))
        if not un.data:
            acc.format = "unknown" if un.problem else "empty"
            if not un.problem:
                acc.findings.append(codes.make_finding(
                    "data.empty_file", f"{name}: the compressed content is empty",
                    evidence={"file": name, "compression": un.compression}))
            return
        payload, truncated = un.data, not un.complete
    acc.truncated = truncated
    if magic.is_parquet(payload):
        _parquet(acc, head, payload, name, size, target, rows, fetch)
        return
    signature = magic.signature_of(payload)
    if signature:
        _unknown(acc, payload, name, signature)
        return
    decoded = decode(payload, truncated=truncated)
    _text(acc, decoded, payload, name, target, rows, truncated)


def _stem(name: str) -> str:
    for ext in (".xz", ".zst", ".7z", ".rar", ".lz4", ".Z", ".gz", ".bz2", ".zip", ".tar"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def _decompress_cmd(compression: str, name: str) -> str:
    return {"xz": f"xz -dc {name}", "zstd": f"zstd -dc {name}", "7z": f"7z x -so {name}",
            "rar": f"unrar p -inul {name}", "lz4": f"lz4 -dc {name}",
            "compress (.Z)": f"uncompress -c {name}"}.get(compression, f"cat {name}")


def _compression_problem(name: str, compression: str, problem: str,
                         evidence: dict[str, Any]) -> Finding:
    what = {"bomb": "decompresses far beyond safe limits (a decompression bomb?)",
            "truncated": "is cut short: the compressed stream ends early",
            "damaged": "is damaged and cannot be decompressed",
            "unsupported": "uses an archive feature that cannot be read"}[problem]
    tester = ("gzip -t" if "gz" in compression else "bzip2 -t" if "bz" in compression
              else "unzip -t" if compression == "zip" else "tar -tf")
    fix = {"bomb": [f"Check how {name} was produced; ship the data uncompressed or split it."],
           "truncated": [f"Upload {name} again completely; verify with: {tester} {name}"],
           "damaged": [f"Recreate {name}; verify it locally before uploading."],
           "unsupported": [f"Recompress {name} as plain gzip or zip (deflate, no encryption)."]}
    return codes.make_finding(
        "data.compression_unsupported", f"{name} ({compression}) {what}",
        evidence={"file": name, "compression": compression, "problem": problem, **evidence},
        fix=fix[problem])


def _unknown(acc: _Acc, payload: bytes, name: str, what: str) -> None:
    acc.format = "unknown"
    acc.confidence["format"] = 0.9
    acc.findings.append(codes.make_finding(
        "data.format_unknown",
        f"{name} is not delimited text, JSON or Parquet: it looks like {what}",
        evidence={"file": name, "looks_like": what, "first_bytes": magic.hex_preview(payload)}))


def _parquet(acc: _Acc, head: bytes, payload: bytes, name: str, size: int | None,
             target: TargetProfile, rows: int, fetch: Fetch | None) -> None:
    acc.format = "parquet"
    acc.confidence["format"] = 0.99
    acc.truncated = False
    if acc.compression is not None:
        if target.compressions is not None:
            acc.findings.append(codes.make_finding(
                "data.compression_unsupported",
                f"{name} is Parquet inside {acc.compression}; the {target.name} target reads "
                "compressed JSON and delimited files only",
                evidence={"file": name, "compression": acc.compression},
                fix=[f"Upload the Parquet file itself, not {acc.compression}-compressed."]))
        return  # a compressed Parquet file's footer is not reachable without decompressing it all
    if size is None:
        size = len(head)
    pq = read_parquet(head, size, fetch, rows=rows)
    acc.bytes_read += pq.bytes_read
    acc.columns, acc.rows = pq.columns, pq.rows
    acc.facts.update(pq.facts)
    if pq.problem:
        acc.findings.append(codes.make_finding(
            "data.format_unknown", f"{name} starts like Parquet but cannot be read: {pq.problem}",
            evidence={"file": name, "looks_like": "Parquet", "problem": pq.problem,
                      "size": size}))


def _text(acc: _Acc, decoded: Decoded, payload: bytes, name: str, target: TargetProfile,
          rows: int, truncated: bool) -> None:
    text = decoded.text
    if not text.strip():
        acc.format = "empty"
        acc.findings.append(codes.make_finding(
            "data.empty_file", f"{name} holds only whitespace",
            evidence={"file": name, "bytes": len(payload)}))
        return
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n\f")
    bad_share = (controls + min(decoded.errors, 65536)) / max(1, min(len(text), 65536))
    if bad_share > _BINARY_SHARE:
        _unknown(acc, payload, name, magic.looks_like(payload))
        return
    acc.encoding, acc.bom = decoded.encoding, decoded.bom
    acc.confidence["encoding"] = decoded.confidence
    acc.line_ending = line_ending(text[:65536])
    lead = text.lstrip()[:1]
    if lead == "<":
        _unknown(acc, payload, name, magic.looks_like(text[:2048].encode("utf-8", "replace")))
        return
    if lead in ("{", "["):
        js = read_json(text, name=name, target=target, rows=rows, truncated=truncated)
        acc.format, acc.columns, acc.rows = js.format, js.columns, js.rows
        acc.problems += js.problems
        acc.findings += js.findings
        acc.confidence.update(js.confidence)
        acc.facts.update(js.facts)
        allowed = target.other_encodings
    else:
        body = text
        if truncated:
            cut = max(text.rfind("\n"), text.rfind("\r"))
            if cut <= 0:
                acc.format = "unknown"
                acc.findings.append(codes.make_finding(
                    "data.format_unknown",
                    f"{name} has no line break in the first {len(payload)} bytes",
                    evidence={"file": name, "looks_like": "one line longer than the sample",
                              "sample_bytes": len(payload),
                              "first_chars": text[:80]},
                    fix=[f"Check that {name} is line-delimited text; a single endless line "
                         "cannot be read as rows."]))
                return
            body = text[: cut + 1]
        ds = read_delimited(body, name=name, target=target, rows=rows)
        acc.format = "csv"
        acc.dialect, acc.columns, acc.rows = ds.dialect, ds.columns, ds.rows
        acc.problems += ds.problems
        acc.findings += ds.findings
        acc.confidence.update(ds.confidence)
        acc.facts.update(ds.facts)
        allowed = target.delimited_encodings
    _judge_encoding(acc, decoded, name, target, allowed)


def _judge_encoding(acc: _Acc, decoded: Decoded, name: str, target: TargetProfile,
                    allowed: frozenset[str] | None) -> None:
    enc = decoded.encoding
    base = "utf-16" if enc.startswith("utf-16") else "utf-32" if enc.startswith("utf-32") else enc
    if decoded.errors:
        acc.findings.append(codes.make_finding(
            "data.encoding",
            f"{name}: {decoded.errors} byte sequence(s) do not decode as {enc} "
            f"(first at byte {decoded.first_error})",
            evidence={"file": name, "encoding": enc, "undecodable": decoded.errors,
                      "first_error_byte": decoded.first_error},
            fix=[f"Find the file's real encoding (file -i {name}), then convert it: "
                 f"iconv -f {iconv_name(enc)} -t UTF-8 {name} > {name}.utf8"]))
        return
    if allowed is not None and enc not in allowed and base not in allowed:
        acc.findings.append(codes.make_finding(
            "data.encoding", f"{name} is encoded as {enc}, which the {target.name} target "
            f"cannot read for {acc.format} files",
            evidence={"file": name, "encoding": enc, "bom": decoded.bom,
                      "accepted": sorted(allowed)},
            fix=[f"Convert it: iconv -f {iconv_name(enc)} -t UTF-8 {name} > {name}.utf8"]))


# --- reading through a FileSource --------------------------------------------------------------


def _source_finding(err: SourceError, name: str) -> Finding:
    if err.kind == "permission_denied":
        return codes.make_finding(
            "file.permission_denied", f"{name} cannot be opened for reading",
            evidence={"file": err.path, "detail": err.detail},
            fix=[f"On the server: chmod o+r {err.path}  (or grant the SFTP user's group read)"])
    reason = {"changed": "changed (shrank or was replaced) while being read",
              "not_found": "vanished (deleted or renamed) while being read",
              "vanished": "vanished (deleted or renamed) while being read",
              "not_a_file": "is not a regular file",
              "not_a_directory": "is not reachable (a parent is not a folder)"}.get(
                  err.kind, "could not be read")
    return codes.make_finding(
        "file.unreadable", f"{name} {reason}",
        evidence={"file": err.path, "kind": err.kind, "detail": err.detail}, files=err.path)


def _failed(entry: FileEntry, finding: Finding, size: int | None = None) -> SampleResult:
    return SampleResult(path=entry.path, size=size if size is not None else entry.size,
                        format="unknown", findings=(finding,))


async def sample_file(source: FileSource, entry: FileEntry, *, target: TargetProfile,
                      head_bytes: int = DEFAULT_HEAD, rows: int = 100,
                      timeout: float = 10.0) -> SampleResult:
    """Sample one file through ``source``, reading only its head (plus footer/tail ranges).

    Source errors (permission, vanished, FIFO, I/O) and timeouts become findings; never raises for
    them.
    """
    try:
        return await asyncio.wait_for(
            _sample_file(source, entry, target, head_bytes, rows, timeout), timeout)
    except TimeoutError:
        return _failed(entry, codes.make_finding(
            "check.timeout", f"sampling {entry.name} took longer than {timeout:g} s",
            evidence={"file": entry.path, "timeout_s": timeout}))


async def _sample_file(source: FileSource, entry: FileEntry, target: TargetProfile,
                       head_bytes: int, rows: int, timeout: float) -> SampleResult:
    try:
        fresh = await source.stat(entry.path)
    except SourceError as err:
        return _failed(entry, _source_finding(err, entry.name))
    if fresh.kind != "file":
        # A FIFO or device is never opened: a read could block forever waiting for a writer.
        what = {"dir": "a folder", "other": "a FIFO, device or socket",
                "symlink": "a broken symbolic link"}.get(fresh.kind, fresh.kind)
        return _failed(entry, codes.make_finding(
            "file.unreadable", f"{entry.name} is {what}, not a regular file; it was not read",
            evidence={"file": entry.path, "kind": fresh.kind, "mode": fresh.permissions},
            fix=[f"Remove {entry.name} from the folder, or replace it with a regular file."]))
    size = fresh.size
    # The decompressed sample of a compressed file is as large as a plain file's head (at least
    # DEFAULT_HEAD); read_head stops reading compressed bytes once that much is decoded.
    out_cap = max(head_bytes, DEFAULT_HEAD)
    try:
        read = await read_head(lambda offset, length: source.read(entry.path, offset, length),
                               name=entry.name, size=size, head_bytes=head_bytes,
                               out_cap=out_cap)
    except SourceError as err:
        return _failed(entry, _source_finding(err, entry.name), size)
    head = read.data
    changed: Finding | None = None
    if read.short:
        changed = codes.make_finding(
            "file.unreadable", f"{entry.name} changed while being read: {size} bytes listed, "
            f"the read ended after {len(head)}",
            evidence={"file": entry.path, "kind": "changed", "listed_size": size,
                      "bytes_read": len(head)}, files=entry.path)
        size = None  # the listed size is no longer true; judge only what was read
    loop = asyncio.get_running_loop()

    def fetch(offset: int, length: int) -> bytes:
        # Called from the sniffing thread; the read itself runs on the event loop.
        fut = asyncio.run_coroutine_threadsafe(source.read(entry.path, offset, length), loop)
        try:
            data = fut.result(timeout)
        except SourceError as err:
            raise _FetchFailed(err) from None
        if size is not None and len(data) < min(length, size - offset):
            raise _FetchFailed(SourceError(
                "changed", entry.path, f"{length} bytes asked at offset {offset}, {len(data)} "
                "returned: the file shrank or was replaced while being read"))
        return data

    try:
        result = await asyncio.to_thread(
            lambda: _guarded(head, name=entry.name, size=size, target=target, rows=rows,
                             fetch=fetch, path=entry.path, out_cap=out_cap))
    except _FetchFailed as failed:
        return _failed(entry, _source_finding(failed.err, entry.name), size)
    if changed is not None:
        result = _with_findings(result, (changed, *result.findings))
    return result


class _FetchFailed(Exception):
    def __init__(self, err: SourceError) -> None:
        super().__init__(str(err))
        self.err = err


def _with_findings(result: SampleResult, findings: tuple[Finding, ...]) -> SampleResult:
    return replace(result, findings=findings)
