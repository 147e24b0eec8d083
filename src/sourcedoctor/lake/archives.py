"""Archives in the lake: zip, tar, tar.gz and tar.bz2, ingested member by member.

Every entry is looked at in archive order. A regular member is sampled by the preview's sniffer
(its first ``head_bytes``, exactly as ``sourcedoctor preview`` samples a file), planned, and cut at
the row cap like any other file; its rows carry the archive and the member as lineage. Everything
else is listed with the batch as *skipped*, never read and never written anywhere under its name:

- directories; symbolic and hard links, FIFOs and devices (``data.archive_entry_skipped``);
- names that are absolute or climb out with ``..`` (``data.archive_unsafe_name``);
- zip members stored with a method other than stored or deflate, or encrypted, and members the
  lake cannot read or whose columns differ from the first member's — reported as a folder of mixed
  files is: a warning under ``generic``, a failure under a platform target.

Bounds are the preview's (:mod:`sourcedoctor.preview.unpack`): entries looked at, decompressed
bytes per archive, and the output/input ratio that marks a decompression bomb. tar is read as a
stream from its start; zip from its central directory at the end, then each member's range.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import re
import stat as statmod
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING, Any

from .. import codes
from ..model import Finding, Severity
from ..preview import magic
from ..preview.unpack import (
    ARCHIVE_OUTPUT_CAP,
    DEFAULT_RATIO_CAP,
    MEMBER_CAP,
    MEMBER_LIST_CAP,
    ratio_exceeded,
    zip_method_name,
)
from .bounded import (
    CappedFiles,
    DigestAhead,
    PreparedFile,
    cutter_for,
    open_decompressed,
    prepare_file,
)
from .errors import LakeError
from .plan import IngestPlan, plan_from_sample
from .readable import DataRefused, archive_blocking, blocking_findings, is_archive
from .sampling import PREVIEW_ROWS, Sampling, sample_local

if TYPE_CHECKING:
    from ..preview.model import SampleResult

_CHUNK = 1 << 20
_TAR_STEP = 256 * 1024
#: zip methods the platform reads (``zipDeflate``); others are named in the finding.
ZIP_METHODS = ("stored", "deflate")
_TAR_COMPRESSION = {"tar.gz": "gzip", "tar.bz2": "bzip2"}
#: A zip central directory larger than this is refused before it is parsed (it is held in
#: memory); 64 MiB is several hundred thousand entries, far beyond MEMBER_CAP.
_ZIP_DIRECTORY_CAP = 64 << 20

OnBytes = Callable[[int], None]


@dataclass(frozen=True)
class Entry:
    """One entry of an archive as its index says it is.

    ``kind``: file, directory, symlink, hardlink, fifo, device or other. ``method`` and
    ``compressed`` are zip's (None for tar)."""

    name: str
    kind: str
    size: int | None
    method: str | None = None
    compressed: int | None = None
    encrypted: bool = False


def unsafe_name(name: str) -> bool:
    """Absolute, drive-qualified, or climbing out with ``..`` (either slash)."""
    parts = name.replace("\\", "/")
    return (parts.startswith("/") or re.match(r"^[A-Za-z]:", parts) is not None
            or ".." in parts.split("/"))


class _Stop(Exception):
    """End the archive here (a bound was reached); the finding says why."""

    def __init__(self, finding: Finding | None = None) -> None:
        super().__init__()
        self.finding = finding


class _Bomb(Exception):
    def __init__(self, evidence: dict[str, Any]) -> None:
        super().__init__()
        self.evidence = evidence


class Expansion:
    """Adds an archive's members (and its skipped entries) to ``taken``, in order."""

    def __init__(
        self,
        fh: IO[bytes],
        sample: SampleResult,
        *,
        label: str,
        taken: CappedFiles,
        sampling: Sampling,
        workdir: str | None = None,
        on_bytes: OnBytes | None = None,
    ) -> None:
        from ..targets import get_target

        self.fh, self.sample, self.label, self.taken = fh, sample, label, taken
        self.sampling, self.workdir, self.on_bytes = sampling, workdir, on_bytes
        self.target = get_target(sampling.target)
        self.kind = str(sample.compression)
        self.first = len(taken.preps)  # where this archive's entries start in ``taken``
        self.reference: SampleResult | None = None
        self.output = 0  # decompressed bytes taken from the archive so far
        self.members = 0  # regular members that brought data
        self.odd: list[dict[str, str]] = []  # links, FIFOs, devices
        self.extra: list[Finding] = []  # archive-level findings (bounds, damage)
        self.refusals: list[Finding] = []  # why members were skipped

    # -- findings --------------------------------------------------------------------------------
    @property
    def _mixed_severity(self) -> Severity:
        # A member the platform would not read, like a folder of mixed files: a warning for a
        # plain ingest, a failure when the batch stands in for a platform that refuses it.
        return Severity.WARN if self.target.name == "generic" else Severity.FAIL

    def _about(self, finding: Finding, entry: Entry, severity: Severity | None = None) -> Finding:
        return replace(
            finding,
            severity=severity if severity is not None else self._mixed_severity,
            evidence={**finding.evidence, "archive": self.label, "member": entry.name},
        )

    def _label(self, entry: Entry) -> str:
        return f"{self.label}!{entry.name}"

    def _skip(self, entry: Entry, why: str, finding: Finding | None = None, fmt: str = "") -> None:
        plan = IngestPlan(path="", format=fmt, origin=self._label(entry), archive=self.label,
                          member=entry.name, notes=(finding,) if finding else ())
        self.taken.add(PreparedFile(plan, 0, 0, 0, "", True, False, skipped=why))
        if finding is not None:
            self.refusals.append(finding)

    # -- reading with the bounds -----------------------------------------------------------------
    def _consumed(self, entry: Entry) -> int:
        """Compressed bytes behind the output so far (zip: this member's; tar: the archive's)."""
        if self.kind == "zip":
            return entry.compressed or 1
        return self.fh.tell() or 1

    def _read(self, stream: IO[bytes], n: int, entry: Entry, produced: list[int]) -> bytes:
        data = stream.read(n)
        produced[0] += len(data)
        self.output += len(data)
        if self.on_bytes and data:
            self.on_bytes(len(data))
        if self.output > ARCHIVE_OUTPUT_CAP:
            raise _Stop(self._limit_finding("bytes", ARCHIVE_OUTPUT_CAP))
        if self.kind != "tar":
            consumed = self._consumed(entry)
            total = produced[0] if self.kind == "zip" else self.output
            if ratio_exceeded(total, consumed):
                raise _Bomb({"decompressed_bytes": total, "compressed_bytes": consumed,
                             "ratio": round(total / consumed, 1), "ratio_cap": DEFAULT_RATIO_CAP})
        return data

    def _limit_finding(self, what: str, cap: int) -> Finding:
        noun = "entries" if what == "entries" else "decompressed bytes"
        return codes.make_finding(
            "data.archive_limit",
            f"{posixpath.basename(self.label)} has more than {cap} {noun}; the batch holds the "
            "members read up to there",
            evidence={"archive": self.label, "bound": what, "cap": cap})

    # -- the walk --------------------------------------------------------------------------------
    def run(self) -> None:
        entries = self._zip_entries() if self.kind == "zip" else self._tar_entries()
        seen = 0
        try:
            for entry, open_member in entries:
                seen += 1
                if seen > MEMBER_CAP:
                    raise _Stop(self._limit_finding("entries", MEMBER_CAP))
                self._entry(entry, open_member)
                if self.taken.full:
                    break  # before the next entry: a tar stream would read through the rest
        except _Stop as stop:
            if stop.finding is not None:
                self.extra.append(stop.finding)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError,
                ValueError, struct.error) as exc:
            self._damaged(exc)
        finally:
            close = getattr(entries, "close", None)
            if close is not None:
                close()
        self._finish()

    def _damaged(self, exc: BaseException) -> None:
        name = posixpath.basename(self.label)
        finding = codes.make_finding(
            "data.compression_unsupported",
            f"{name} ({self.kind}) is damaged or cut short and cannot be read to its end",
            evidence={"file": self.label, "compression": self.kind, "problem": "damaged",
                      "reason": f"{type(exc).__name__}: {str(exc)[:200]}"},
            fix=[f"Recreate {name} and verify it before uploading: "
                 + ("unzip -t " if self.kind == "zip" else "tar -tf ") + name])
        raise DataRefused(self.label, (finding,))

    def _finish(self) -> None:
        notes: list[Finding] = []
        if self.odd:
            notes.append(codes.make_finding(
                "data.archive_entry_skipped",
                f"{posixpath.basename(self.label)}: {len(self.odd)} entr"
                f"{'y is' if len(self.odd) == 1 else 'ies are'} not regular files (links, FIFOs, "
                "devices) and were not read",
                evidence={"archive": self.label, "entries": self.odd[:MEMBER_LIST_CAP],
                          "count": len(self.odd)}))
        notes += self.extra
        if not self.members:
            empty = codes.make_finding(
                "data.empty_file",
                f"{posixpath.basename(self.label)} holds no member the lake can ingest",
                evidence={"file": self.label, "compression": self.kind,
                          "skipped": len(self.taken.preps) - self.first},
                fix=["Put the data files (CSV, JSON or Parquet) into the archive as regular files."])
            raise DataRefused(self.label, (*self.refusals, *notes, empty))
        if notes:
            first = self.taken.preps[self.first]
            plan = replace(first.plan, notes=(*first.plan.notes, *notes))
            self.taken.preps[self.first] = replace(first, plan=plan)

    def _entry(self, entry: Entry, open_member: Callable[[], IO[bytes]]) -> None:
        if entry.kind == "directory":
            self._skip(entry, "directory")
            return
        if unsafe_name(entry.name):
            self._skip(entry, "unsafe_name", codes.make_finding(
                "data.archive_unsafe_name",
                f"{posixpath.basename(self.label)} has a member named {entry.name!r}, which points "
                "outside the archive; it was skipped",
                evidence={"archive": self.label, "member": entry.name, "kind": entry.kind}))
            return
        if entry.kind != "file":
            self.odd.append({"member": entry.name, "kind": entry.kind})
            self._skip(entry, entry.kind)
            return
        if entry.encrypted or (entry.method is not None and entry.method not in ZIP_METHODS):
            what = "encrypted" if entry.encrypted else f"compressed with {entry.method}"
            self._skip(entry, "method", self._about(codes.make_finding(
                "data.compression_unsupported",
                f"{posixpath.basename(self.label)}: member {entry.name} is {what}; the lake reads "
                f"zip members that are {' or '.join(ZIP_METHODS)}",
                evidence={"compression": "zip", "method": entry.method,
                          "encrypted": entry.encrypted, "lake_reads": list(ZIP_METHODS)},
                fix=[f"Recreate the archive with deflate: zip -Z deflate NEW.zip {entry.name}"]),
                entry))
            return
        if entry.size is not None and entry.compressed and ratio_exceeded(
                entry.size, entry.compressed):
            self._bomb(entry, {"declared_size": entry.size, "compressed_size": entry.compressed,
                               "ratio": round(entry.size / entry.compressed, 1),
                               "ratio_cap": DEFAULT_RATIO_CAP})
        if entry.size is not None and self.output + entry.size > ARCHIVE_OUTPUT_CAP:
            raise _Stop(self._limit_finding("bytes", ARCHIVE_OUTPUT_CAP))
        try:
            self._member(entry, open_member)
        except _Bomb as bomb:
            self._bomb(entry, bomb.evidence)

    def _bomb(self, entry: Entry, evidence: dict[str, Any]) -> None:
        finding = codes.make_finding(
            "data.compression_unsupported",
            f"{posixpath.basename(self.label)}: member {entry.name} decompresses far beyond safe "
            "limits (a decompression bomb?)",
            evidence={"compression": self.kind, "problem": "bomb", **evidence},
            fix=["Check how the archive was produced; ship the data uncompressed or split it."])
        self._skip(entry, "bomb", self._about(finding, entry, Severity.FAIL))
        raise _Stop()  # nothing after a bomb is trusted

    def _member(self, entry: Entry, open_member: Callable[[], IO[bytes]]) -> None:
        produced = [0]
        stream = open_member()
        temps: list[str] = []
        try:
            head = self._read_upto(stream, self.sampling.head_bytes, entry, produced)
            whole = entry.size is not None and len(head) >= entry.size
            head_path = self._temp(temps)
            with open(head_path, "wb") as fh:
                fh.write(head)
            if magic.is_parquet(head) and not whole:
                # Parquet keeps its schema in a footer: take the member whole, then sample it.
                self._copy_rest(stream, head_path, entry, produced)
                whole = True
            sample = self._reused(entry) or self._sample(head, head_path, entry, whole)
            blocked = blocking_findings(sample)
            if blocked:
                self._skip(entry, "other_format", self._about(blocked[0], entry), sample.format)
                return
            if self.reference is not None and self._differs(sample):
                self._skip(entry, "other_schema", self._about(self._mismatch(sample, entry),
                                                              entry), sample.format)
                return
            try:
                plan = plan_from_sample(sample, head_path, origin=self._label(entry))
            except LakeError as exc:  # DuckDB's sniffer cannot make rows of it
                self._skip(entry, "other_format", self._about(codes.make_finding(
                    "data.format_unknown", f"member {entry.name}: {exc.message}",
                    evidence={"file": entry.name, "format": sample.format}), entry),
                    sample.format)
                return
            plan = replace(plan, archive=self.label, member=entry.name)
            prep = self._prepare(plan, stream, head, head_path, whole, entry, produced, temps)
        finally:
            with contextlib.suppress(Exception):
                stream.close()
            for t in temps:
                with contextlib.suppress(OSError):
                    os.unlink(t)
        if self.reference is None:
            self.reference = sample
        self.members += 1
        self.taken.add(prep)

    def _reused(self, entry: Entry) -> SampleResult | None:
        """The preview's own sample of the archive is a sample of its first member: use it for
        that member (the dataset gets exactly the columns ``preview`` showed, and the member is
        not sniffed twice), unless it found a problem there."""
        if self.members or self.reference is not None or \
                self.sample.facts.get("member") != entry.name or \
                self.sample.format not in ("csv", "json_lines", "json_multiline", "json_array"):
            return None
        sample = replace(self.sample, path=entry.name, size=entry.size, compression=None,
                         members=())
        return None if blocking_findings(sample) else sample

    def _sample(self, head: bytes, head_path: str, entry: Entry, whole: bool) -> SampleResult:
        from ..preview.sample import sample_bytes

        if magic.is_parquet(head):
            return replace(sample_local(head_path, self.sampling), path=entry.name)
        return sample_bytes(head, name=posixpath.basename(entry.name) or entry.name,
                            size=entry.size if entry.size is not None else
                            (len(head) if whole else None),
                            target=self.target, rows=PREVIEW_ROWS)

    def _differs(self, sample: SampleResult) -> bool:
        from ..preview.consistency import differences

        assert self.reference is not None
        return bool(differences(self.reference, sample))

    def _mismatch(self, sample: SampleResult, entry: Entry) -> Finding:
        from ..preview.consistency import differences

        assert self.reference is not None
        diff = differences(self.reference, sample)
        how = ", ".join(k.replace("_", " ") for k in diff)
        return codes.make_finding(
            "data.schema_mismatch",
            f"{posixpath.basename(self.label)}: member {entry.name} differs from the first "
            f"member ({how}); it was skipped",
            evidence={"reference": self.reference.path, "differing": [{"file": entry.name,
                                                                        **diff}]})

    def _prepare(self, plan: IngestPlan, stream: IO[bytes], head: bytes, head_path: str,
                 whole: bool, entry: Entry, produced: list[int],
                 temps: list[str]) -> PreparedFile:
        if plan.compression or plan.format in ("parquet", "json_array"):
            # Cannot be cut by bytes: the member whole, then decompressed/cut as a local file.
            if not whole:
                self._copy_rest(stream, head_path, entry, produced)
            prep = prepare_file(plan, self.taken.remaining, workdir=self.workdir)
            if not prep.temp:  # it is the member's copy itself: the batch deletes it
                temps.remove(head_path)
                prep = replace(prep, temp=True)
            return prep
        cutter = cutter_for(plan, self.taken.remaining)
        out_path = self._temp([])
        h = hashlib.sha256()
        try:
            with open(out_path, "wb") as out:
                chunk = head
                while chunk:
                    keep = cutter.feed(chunk)
                    h.update(keep)
                    out.write(keep)
                    if cutter.done:
                        break
                    chunk = self._read(stream, _CHUNK, entry, produced)
                if not cutter.done:
                    tail = cutter.finish()
                    h.update(tail)
                    out.write(tail)
        except BaseException:
            os.unlink(out_path)
            raise
        return PreparedFile(plan.with_path(out_path, compression=None), 0, cutter.kept,
                            cutter.records, h.hexdigest(), not cutter.truncated, True)

    def _read_upto(self, stream: IO[bytes], n: int, entry: Entry, produced: list[int]) -> bytes:
        parts: list[bytes] = []
        left = n
        while left > 0:
            data = self._read(stream, min(left, _CHUNK), entry, produced)
            if not data:
                break
            parts.append(data)
            left -= len(data)
        return b"".join(parts)

    def _copy_rest(self, stream: IO[bytes], path: str, entry: Entry, produced: list[int]) -> None:
        with open(path, "ab") as fh:
            while chunk := self._read(stream, _CHUNK, entry, produced):
                fh.write(chunk)

    def _temp(self, temps: list[str]) -> str:
        fd, name = tempfile.mkstemp(prefix="sd-member-", dir=self.workdir)
        os.close(fd)
        temps.append(name)
        return name

    # -- the two index formats -------------------------------------------------------------------
    def _zip_entries(self) -> Iterator[tuple[Entry, Callable[[], IO[bytes]]]]:
        self._check_zip_directory()
        with zipfile.ZipFile(self.fh) as zf:
            for info in zf.infolist():
                # Unix zips keep st_mode in the high half (zip -y stores links that way); other
                # makers leave it empty or put only permission bits there.
                mode = info.external_attr >> 16 if info.create_system == 3 else 0
                if info.is_dir():
                    kind = "directory"
                elif statmod.S_IFMT(mode) and not statmod.S_ISREG(mode):
                    kind = _kind_of_mode(mode)
                else:
                    kind = "file"
                entry = Entry(info.filename, kind, info.file_size,
                              zip_method_name(info.compress_type), info.compress_size,
                              bool(info.flag_bits & 1))
                yield entry, (lambda info=info: zf.open(info))  # type: ignore[misc]

    def _check_zip_directory(self) -> None:
        """Refuse a central directory too large to hold in memory, before zipfile parses it."""
        size = self.fh.seek(0, os.SEEK_END)
        start = max(0, size - (65535 + 22))
        self.fh.seek(start)
        tail = self.fh.read(size - start)
        self.fh.seek(0)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + 22 > len(tail):
            raise zipfile.BadZipFile("no end of central directory record")
        entries, cd_size = struct.unpack_from("<HI", tail, at + 10)
        if cd_size == 0xFFFFFFFF or entries == 0xFFFF:
            at64 = tail.rfind(b"PK\x06\x06")
            if at64 >= 0 and at64 + 48 <= len(tail):
                cd_size = struct.unpack_from("<Q", tail, at64 + 40)[0]
        if cd_size > _ZIP_DIRECTORY_CAP:
            raise _Stop(self._limit_finding("entries", MEMBER_CAP))

    def _tar_entries(self) -> Iterator[tuple[Entry, Callable[[], IO[bytes]]]]:
        # Decompressed here rather than by tarfile ("r|gz"): gzip and bzip2 then check their end
        # marker and checksum, so an archive cut short is reported, not read as a shorter one.
        stream = open_decompressed(self.fh, _TAR_COMPRESSION.get(self.kind))
        owned = contextlib.nullcontext() if stream is self.fh else stream
        # tarfile reads its stream in 10 KiB records by default; 256 KiB steps cost fewer calls
        # and read little ahead of what the batch needs.
        with owned, tarfile.open(fileobj=stream, mode="r|", bufsize=_TAR_STEP) as tf:
            for info in tf:
                # The stream decompresses what a member leaves unread to reach the next header:
                # count it, and stop before a member that would pass the byte bound.
                kind = _tar_kind(info)
                entry = Entry(info.name, kind, info.size if kind == "file" else 0)
                opened: list[IO[bytes]] = []

                def open_member(info: tarfile.TarInfo = info,
                                opened: list[IO[bytes]] = opened) -> IO[bytes]:
                    member = tf.extractfile(info)
                    assert member is not None  # a regular member always has a body
                    opened.append(member)
                    return member

                yield entry, open_member
                read = opened[0].tell() if opened else 0
                self.output += max(0, (entry.size or 0) - read)
                if self.kind != "tar" and ratio_exceeded(self.output, self.fh.tell()):
                    raise _Stop(self._archive_bomb())

    def _archive_bomb(self) -> Finding:
        consumed = self.fh.tell() or 1
        return codes.make_finding(
            "data.compression_unsupported",
            f"{posixpath.basename(self.label)} ({self.kind}) decompresses far beyond safe limits "
            "(a decompression bomb?); reading stopped there",
            evidence={"file": self.label, "compression": self.kind, "problem": "bomb",
                      "decompressed_bytes": self.output, "compressed_bytes": consumed,
                      "ratio": round(self.output / consumed, 1), "ratio_cap": DEFAULT_RATIO_CAP},
            fix=["Check how the archive was produced; ship the data uncompressed or split it."])


def _tar_kind(info: tarfile.TarInfo) -> str:
    if info.isreg():
        return "file"
    if info.isdir():
        return "directory"
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hardlink"
    if info.isfifo():
        return "fifo"
    if info.ischr() or info.isblk():
        return "device"
    return "other"


def _kind_of_mode(mode: int) -> str:
    if statmod.S_ISLNK(mode):
        return "symlink"
    if statmod.S_ISFIFO(mode):
        return "fifo"
    if statmod.S_ISCHR(mode) or statmod.S_ISBLK(mode):
        return "device"
    if statmod.S_ISDIR(mode):
        return "directory"
    return "other"


def expand_archive(
    fh: IO[bytes],
    sample: SampleResult,
    *,
    label: str,
    taken: CappedFiles,
    sampling: Sampling,
    workdir: str | None = None,
    on_bytes: OnBytes | None = None,
) -> None:
    """Add the members of the archive open as ``fh`` (sampled by the preview as ``sample``) to
    ``taken``, up to its row cap; raises :class:`DataRefused` when the archive cannot be opened
    or holds nothing the lake can ingest (nothing is kept then)."""
    found = archive_blocking(sample)
    if found:
        raise DataRefused(label, found)
    Expansion(fh, sample, label=label, taken=taken, sampling=sampling, workdir=workdir,
              on_bytes=on_bytes).run()


def is_archive_sample(item: object) -> bool:
    """Is ``item`` a preview SampleResult of an archive (which no single plan can describe)?"""
    from ..preview.model import SampleResult

    return isinstance(item, SampleResult) and is_archive(item)


def prepare_path(
    path: str | os.PathLike[str],
    taken: CappedFiles,
    *,
    sampling: Sampling,
    origin: str = "",
    on_bytes: OnBytes | None = None,
) -> None:
    """Sample one local file as the preview does and add it to ``taken``: an archive adds its
    members (and skipped entries), any other file itself, cut at the row cap."""
    p = str(path)
    if not os.path.isfile(p):
        raise LakeError("path", f"{p} is not a readable file")
    # Taken whole (no row cap), the file is hashed whole: that starts now, beside the sampling.
    ahead = DigestAhead.worth_starting(p) if taken.remaining is None else None
    try:
        sample = sample_local(p, sampling)
        if is_archive(sample):
            try:
                fh = open(p, "rb")  # noqa: SIM115 - closed below; a FIFO never gets here (isfile)
            except OSError as exc:
                raise LakeError("file", f"{p}: cannot read it ({exc.strerror})") from None
            with fh:
                expand_archive(fh, sample, label=origin or p, taken=taken, sampling=sampling,
                               on_bytes=on_bytes)
            return
        plan = plan_from_sample(sample, p, origin=origin)
        taken.add(prepare_file(plan, taken.remaining, on_bytes=on_bytes, ahead=ahead))
    finally:
        if ahead is not None:  # a refused or rewritten file: its whole digest is not needed
            ahead.cancel()
