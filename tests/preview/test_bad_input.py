"""Bad input: each a finding, within the timeout, with bounded memory (local and over SFTP)."""

from __future__ import annotations

import asyncio
import gzip
import os
import time
import zlib
from pathlib import Path

from sourcedoctor.preview import preview_path, sample_file
from sourcedoctor.preview.model import SampleResult
from sourcedoctor.sources.base import FileEntry, FileSource
from sourcedoctor.sources.local import LocalSource
from sourcedoctor.targets import AEP, GENERIC

from . import files


def _codes(result: SampleResult) -> list[str]:
    return [f.code for f in result.findings]


async def test_binary_garbage(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "garbage.csv", os.urandom(300_000))
    result = await sample_file(source, await source.stat("garbage.csv"), target=AEP)
    assert _codes(result) == ["data.format_unknown"]
    assert result.findings[0].evidence["looks_like"] == "binary data"


async def test_no_newline_50mb(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "oneline.csv", b"abc," * (50 << 18))  # 50 MB, not one newline
    started = time.monotonic()
    result = await sample_file(source, await source.stat("oneline.csv"), target=AEP)
    assert time.monotonic() - started < 10
    assert _codes(result) == ["data.format_unknown"]
    assert result.bytes_read == 1 << 20 and result.truncated


async def test_truncated_gzip(source: FileSource, data_dir: Path) -> None:
    whole = files.gz(files.CSV * 20)
    files.write(data_dir, "cut.csv.gz", whole[: len(whole) // 2])
    result = await sample_file(source, await source.stat("cut.csv.gz"), target=AEP)
    assert _codes(result) == ["data.compression_unsupported"]
    assert result.findings[0].evidence["problem"] == "truncated"
    assert result.format == "csv" and result.rows  # what could be read is still shown


async def test_zip_bomb(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "bomb.zip", files.zip_bomb())
    result = await sample_file(source, await source.stat("bomb.zip"), target=AEP)
    assert _codes(result) == ["data.compression_unsupported"]
    assert result.findings[0].evidence["problem"] == "bomb"
    assert result.rows == ()


async def test_gzip_bomb(source: FileSource, data_dir: Path) -> None:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = b"".join(comp.compress(b"\0" * (1 << 20)) for _ in range(100)) + comp.flush()
    files.write(data_dir, "bomb.csv.gz", body)
    result = await sample_file(source, await source.stat("bomb.csv.gz"), target=GENERIC)
    assert _codes(result) == ["data.compression_unsupported"]
    assert result.findings[0].evidence["problem"] == "bomb"


async def test_empty_file(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "empty.csv", b"")
    result = await sample_file(source, await source.stat("empty.csv"), target=AEP)
    assert _codes(result) == ["data.empty_file"]


async def test_empty_gzip(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "empty.csv.gz", gzip.compress(b""))
    result = await sample_file(source, await source.stat("empty.csv.gz"), target=AEP)
    assert _codes(result) == ["data.empty_file"]


async def test_fifo_never_opened(source: FileSource, data_dir: Path) -> None:
    os.mkfifo(data_dir / "pipe.csv")
    entry = FileEntry(path="pipe.csv", name="pipe.csv", size=None, mtime=None, kind="file")
    result = await asyncio.wait_for(sample_file(source, entry, target=AEP, timeout=5), 10)
    assert _codes(result) == ["file.unreadable"]
    assert result.findings[0].evidence["kind"] == "other"


async def test_fifo_in_folder(source: FileSource, data_dir: Path) -> None:
    os.mkfifo(data_dir / "a_pipe")
    files.write(data_dir, "b.csv", files.CSV)
    result = await asyncio.wait_for(preview_path(source, "", target=AEP), 10)
    assert [f.code for f in result.findings] == ["file.unreadable"]
    assert [s.path.rsplit("/", 1)[-1] for s in result.samples] == ["b.csv"]


async def test_symlink_loop(source: FileSource, data_dir: Path) -> None:
    os.symlink("loop_b", data_dir / "loop_a")
    os.symlink("loop_a", data_dir / "loop_b")
    entry = FileEntry(path="loop_a", name="loop_a", size=None, mtime=None, kind="file")
    result = await asyncio.wait_for(sample_file(source, entry, target=AEP, timeout=5), 10)
    assert _codes(result) == ["file.unreadable"]


async def test_symlink_loop_folder_listing(data_dir: Path) -> None:
    (data_dir / "sub").mkdir()
    os.symlink("..", data_dir / "sub" / "up")  # a folder cycle through a link
    files.write(data_dir, "a.csv", files.CSV)
    listing = await LocalSource(data_dir).list("", depth=30)
    assert sorted(e.path for e in listing.entries) == ["a.csv", "sub", "sub/up"]


async def test_vanished_before_read(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "gone.csv", files.CSV)
    entry = await source.stat("gone.csv")
    (data_dir / "gone.csv").unlink()
    result = await sample_file(source, entry, target=AEP)
    assert _codes(result) == ["file.unreadable"]
    assert result.findings[0].evidence["kind"] == "not_found"


class _ReplacedAfterFirstRead:
    """Delegates to a real source; after the first read, the real file is replaced by another."""

    def __init__(self, inner: FileSource, path: Path, replacement: bytes) -> None:
        self.inner, self.path, self.replacement = inner, path, replacement
        self.scheme = inner.scheme
        self.reads = 0

    async def stat(self, path: str) -> FileEntry:
        return await self.inner.stat(path)

    async def list(self, folder: str, **kw: object) -> object:
        raise NotImplementedError

    async def read(self, path: str, offset: int, length: int) -> bytes:
        data = await self.inner.read(path, offset, length)
        self.reads += 1
        if self.reads == 1:
            tmp = self.path.with_suffix(".new")
            tmp.write_bytes(self.replacement)
            tmp.replace(self.path)
        return data


async def test_replaced_mid_read(source: FileSource, data_dir: Path) -> None:
    files.parquet(data_dir / "p.parquet", 300_000, row_group=50_000)
    replaced = _ReplacedAfterFirstRead(source, data_dir / "p.parquet", files.CSV.encode())
    entry = await source.stat("p.parquet")
    result = await sample_file(replaced, entry, target=AEP)  # type: ignore[arg-type]
    assert replaced.reads == 2  # the head, then the footer range of the file as it now is
    assert _codes(result) == ["file.unreadable"]
    assert result.findings[0].evidence["kind"] == "changed"


async def test_shrunk_while_read(data_dir: Path) -> None:
    """The listed size is larger than what the read returns: the file changed mid-read."""
    files.write(data_dir, "grow.csv", files.CSV)
    entry = await LocalSource(data_dir).stat("grow.csv")

    class Shrinking(LocalSource):  # a real file cut between stat and read
        async def read(self, path: str, offset: int, length: int) -> bytes:
            os.truncate(data_dir / "grow.csv", 100)
            return await super().read(path, offset, length)

    result = await sample_file(Shrinking(data_dir), entry, target=GENERIC)
    assert _codes(result)[0] == "file.unreadable"
    assert result.findings[0].evidence["kind"] == "changed"
