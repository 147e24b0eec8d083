"""The PostgreSQL RowSource against the private cluster: bounded listings, samples with types, a
1,000,000-row table sampled without a scan, errors as RowSourceError."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import asyncpg
import pytest

from sourcedoctor.connectors.postgres.source import PostgresSource
from sourcedoctor.sources.rows import RowSource, RowSourceError
from tests.fixtures.postgres import PrivateCluster
from tests.postgres.conftest import READER_PASSWORD


@pytest.fixture
async def source(cluster: PrivateCluster) -> AsyncIterator[PostgresSource]:
    conn = await asyncpg.connect(
        host="127.0.0.1", port=cluster.port, user="reader", password=READER_PASSWORD, database="shop"
    )
    try:
        yield PostgresSource(conn, timeout=5)
    finally:
        await conn.close()


async def test_is_a_row_source_listing_schemas_then_relations(source: PostgresSource) -> None:
    assert isinstance(source, RowSource)
    schemas = await source.relations()
    names = {r.name for r in schemas.relations}
    assert names >= {"public", "sales"} and "vault" not in names  # no USAGE on vault: left out
    assert all(r.is_container for r in schemas.relations)
    tables = await source.relations("sales", limit=3)
    assert len(tables.relations) == 3 and tables.truncated > 0
    everything = await source.relations("sales")
    kinds = {r.name: r.kind for r in everything.relations}
    assert kinds["sales.slow"] == "view" and kinds["sales.orders"] == "table"
    big = next(r for r in everything.relations if r.name == "sales.big")
    assert big.rows_estimate is not None and big.rows_estimate > 900_000


async def test_sample_has_rows_types_and_more(source: PostgresSource) -> None:
    sample = await source.sample("sales.orders", limit=3)
    assert len(sample.rows) == 3 and sample.more is True
    assert [c.platform_type for c in sample.columns] == [
        "integer",
        "string",
        "number",
        "date-time",
        "date-time",
    ]
    shapes = await source.sample("sales.shapes", limit=5)
    assert shapes.more is False and [c.platform_type for c in shapes.columns] == ["integer", None, None]
    assert shapes.notes


async def test_errors_are_row_source_errors(source: PostgresSource) -> None:
    with pytest.raises(RowSourceError) as missing:
        await source.sample("sales.order", limit=1)
    assert missing.value.kind == "not_found" and "sales.orders" in missing.value.detail
    with pytest.raises(RowSourceError) as denied:
        await source.sample("sales.secret", limit=1)
    assert denied.value.kind == "permission_denied" and "42501" in denied.value.detail
    with pytest.raises(RowSourceError) as bad:
        await source.sample('x"; DROP TABLE sales.small; --', limit=1)
    assert bad.value.kind == "not_found"


async def test_million_rows_sample_as_fast_as_ten(source: PostgresSource) -> None:
    async def best(name: str) -> float:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            sample = await source.sample(name, limit=10)
            times.append(time.perf_counter() - t0)
            assert len(sample.rows) == 10
        return min(times)

    small, big = await best("sales.small"), await best("sales.big")
    # A scan of 1,000,000 rows takes ~100 ms here; a LIMIT read takes ~1 ms either way.
    assert big < small * 3 + 0.005, (small, big)


async def test_domains_are_judged_by_their_base_type(source: PostgresSource) -> None:
    sample = await source.sample("sales.labelled", limit=2)
    assert [(c.type, c.platform_type) for c in sample.columns] == [
        ("integer", "integer"),
        ("sales.label", "string"),
    ]
    assert not sample.notes and sample.rows == ((1, "one"), (2, "two"))
