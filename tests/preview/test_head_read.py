"""Compressed heads are read in steps: only the compressed bytes the sample needs (local and SFTP)."""

from __future__ import annotations

import functools
import gzip
import io
import zipfile
from pathlib import Path

from sourcedoctor.preview import sample_file
from sourcedoctor.preview.headread import FIRST_STEP
from sourcedoctor.preview.sample import DEFAULT_HEAD, ZIP_TAIL
from sourcedoctor.preview.unpack import unpack
from sourcedoctor.sources.base import FileEntry, FileSource, Listing
from sourcedoctor.targets import AEP

from . import files


class CountingSource:
    """A real source, with every byte it returns counted."""

    def __init__(self, inner: FileSource) -> None:
        self.inner = inner
        self.scheme = inner.scheme
        self.bytes = 0
        self.reads = 0

    async def stat(self, path: str) -> FileEntry:
        return await self.inner.stat(path)

    async def list(self, folder: str, *, limit: int = 10_000, depth: int = 0,
                   glob: str | None = None) -> Listing:
        return await self.inner.list(folder, limit=limit, depth=depth, glob=glob)

    async def read(self, path: str, offset: int, length: int) -> bytes:
        data = await self.inner.read(path, offset, length)
        self.bytes += len(data)
        self.reads += 1
        return data


@functools.cache
def _orders(rows: int) -> bytes:
    """CSV that compresses about as well as real exports (3-4x with gzip)."""
    return ("id,customer,amount,day\n" + "".join(
        f"{i},customer_{i * 7919 % 10007},{i * 37 % 100000 / 100:.2f},2024-{i % 12 + 1:02d}-"
        f"{i % 28 + 1:02d}\n" for i in range(rows))).encode()


async def test_big_gzip_reads_less_than_head(source: FileSource, data_dir: Path) -> None:
    packed = gzip.compress(_orders(200_000), 6)
    assert len(packed) > DEFAULT_HEAD  # reading a fixed head would read DEFAULT_HEAD
    files.write(data_dir, "big.csv.gz", packed)
    counting = CountingSource(source)
    result = await sample_file(counting, await source.stat("big.csv.gz"), target=AEP)
    assert result.findings == ()
    assert result.format == "csv" and len(result.rows) == 100 and result.truncated
    assert result.bytes_read == counting.bytes
    assert FIRST_STEP < counting.bytes < DEFAULT_HEAD // 2
    assert counting.reads <= 3  # sized from the ratio, not crawled up in small steps


async def test_plain_head_is_one_read(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "big.csv", _orders(100_000))
    counting = CountingSource(source)
    result = await sample_file(counting, await source.stat("big.csv"), target=AEP)
    assert result.format == "csv" and len(result.rows) == 100
    assert (counting.reads, counting.bytes, result.bytes_read) == (1, DEFAULT_HEAD, DEFAULT_HEAD)


async def test_misnamed_plain_file_still_reads_full_head(source: FileSource,
                                                         data_dir: Path) -> None:
    files.write(data_dir, "orders.csv.gz", _orders(100_000))  # not gzip despite its name
    counting = CountingSource(source)
    result = await sample_file(counting, await source.stat("orders.csv.gz"), target=AEP)
    assert result.compression is None and result.format == "csv"
    assert counting.bytes == DEFAULT_HEAD


async def test_truncated_gzip_beyond_first_step(source: FileSource, data_dir: Path) -> None:
    """The steps go on to the end of the file when the sample is not full: the cut is found."""
    packed = gzip.compress(_orders(20_000), 6)
    assert len(packed) > 2 * FIRST_STEP and len(_orders(20_000)) < DEFAULT_HEAD
    files.write(data_dir, "cut.csv.gz", packed[: len(packed) - 1000])
    result = await sample_file(source, await source.stat("cut.csv.gz"), target=AEP)
    assert [f.code for f in result.findings] == ["data.compression_unsupported"]
    assert result.findings[0].evidence["problem"] == "truncated"
    assert result.bytes_read == len(packed) - 1000


async def test_big_zip_member_reads_less_than_head(source: FileSource, data_dir: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("orders.csv", _orders(200_000))
        zf.writestr("other.csv", "a,b\n1,2\n")
    files.write(data_dir, "big.zip", buf.getvalue())
    counting = CountingSource(source)
    result = await sample_file(counting, await source.stat("big.zip"), target=AEP)
    assert result.findings == () and result.format == "csv" and len(result.rows) == 100
    assert result.members == ("other.csv",)
    assert counting.bytes - ZIP_TAIL < DEFAULT_HEAD // 2


def test_gzip_member_ending_at_head_end_is_not_complete() -> None:
    """A gzip member that ends exactly where the head ends may be followed by more members."""
    first = gzip.compress(b"id\n1\n")
    head_only = unpack(first, "gzip", whole=False, out_cap=DEFAULT_HEAD)
    assert (head_only.complete, head_only.needs_more) == (False, True)
    whole = unpack(first, "gzip", whole=True, out_cap=DEFAULT_HEAD)
    assert (whole.complete, whole.needs_more) == (True, False)
