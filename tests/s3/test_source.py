"""The S3 FileSource on moto: ranged reads, stat, a bounded paginated listing, and the engines
that read through any FileSource — preview (sampling) and the lake (ingest) — working on it
unchanged, through ``api.open_source`` as the CLI and the TUI use it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sourcedoctor import api
from sourcedoctor.connectors.s3 import source as s3_source
from sourcedoctor.connectors.s3.source import S3Source
from sourcedoctor.lake import Lake, ingest_from_source
from sourcedoctor.preview import preview_path
from sourcedoctor.sources.base import SourceError
from sourcedoctor.targets import GENERIC
from tests.fixtures.moto import CSV, MotoServer
from tests.fixtures.tls import Certificates
from tests.s3.helpers import STEP, moto_settings


@pytest.fixture
async def bucket(open_moto: MotoServer, certs: Certificates) -> AsyncIterator[S3Source]:
    """The seeded bucket, opened through the connector (diagnosed up to the listing)."""
    async with api.open_source(moto_settings(open_moto, certs), target="generic",
                               timeout=STEP) as opened:
        assert opened.folder == "in"
        yield opened.source


async def test_reads_are_ranged(bucket: S3Source) -> None:
    assert await bucket.read("in/a.csv", 3, 5) == CSV[3:8]
    assert await bucket.read("in/a.csv", len(CSV) - 2, 100) == CSV[-2:]
    assert await bucket.read("in/a.csv", len(CSV) + 10, 10) == b""  # InvalidRange: past the end
    assert await bucket.read("in/.keep", 0, 10) == b""  # a zero-byte object


async def test_stat_tells_objects_prefixes_and_missing_keys(bucket: S3Source) -> None:
    entry = await bucket.stat("in/a.csv")
    assert (entry.kind, entry.size, entry.name) == ("file", len(CSV), "a.csv")
    assert (await bucket.stat("in")).kind == "dir"
    with pytest.raises(SourceError) as err:
        await bucket.stat("in/nope.csv")
    assert err.value.kind == "not_found"


async def test_listing_pages_and_stays_bounded(open_moto: MotoServer, bucket: S3Source,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    admin = open_moto.client("s3")  # this server accepts any signature
    for n in range(25):
        admin.put_object(Bucket="data", Key=f"many/f{n:02d}.csv", Body=b"id\n1\n")
    monkeypatch.setattr(s3_source, "_PAGE", 4)  # many pages from 25 keys
    calls: list[str] = []
    real_call = bucket.client.call

    async def counting(operation: str, **kwargs: object) -> object:
        calls.append(operation)
        return await real_call(operation, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bucket.client, "call", counting)
    listing = await bucket.list("many", limit=30)
    assert [e.name for e in listing.entries] == [f"f{n:02d}.csv" for n in range(25)]
    assert listing.truncated == 0
    assert calls == ["list_objects_v2"] * 7  # 25 keys, 4 a page: continuation tokens followed
    capped = await bucket.list("many", limit=2)  # keeps 2, counts up to 10x the cap
    assert [e.name for e in capped.entries] == ["f00.csv", "f01.csv"]
    assert capped.truncated == 18 and capped.counting_stopped


async def test_preview_engine_samples_the_bucket(bucket: S3Source) -> None:
    result = await preview_path(bucket, "in", target=GENERIC, timeout=STEP)
    # The preview takes a folder's first files in key order, hidden ones included (any source).
    samples = {s.path: s for s in result.samples}
    assert list(samples) == ["in/.keep", "in/a.csv", "in/b.csv"]
    assert [r["name"] for r in samples["in/a.csv"].rows] == ["alice", "bob", "carol"]
    assert [r["amount"] for r in samples["in/b.csv"].rows] == [3.25]
    assert [f.code for f in samples["in/.keep"].findings] == ["data.empty_file"]


async def test_lake_ingests_from_the_bucket(bucket: S3Source, tmp_path: Path) -> None:
    result = await ingest_from_source(Lake(tmp_path / "lake"), bucket, ["in/a.csv", "in/b.csv"],
                                      "people", rows=None, source_label="s3://data/in")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (4, 4, 0)
