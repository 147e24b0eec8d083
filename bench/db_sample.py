"""Benchmark: sampling 10 rows must cost the same from a 10-row and a 1,000,000-row table.

Starts a private PostgreSQL cluster (tests/fixtures/postgres.py: initdb + pg_ctl as the postgres
user), creates ``bench.small`` (10 rows) and ``bench.big`` (1,000,000 rows, same columns), then
times the connector's whole sample path — ``PostgresSource.sample``: resolve the name in the
catalogue, read the columns, READ ONLY transaction, statement_timeout, ``SELECT … LIMIT 11`` —
best of N runs each (the machine is shared: the minimum is the least noisy estimate). Printed: both
times, the big / small ratio (goal <= 1.2) and, for scale, one full ``count(*)`` of the big table
(what a scan would cost).

    python bench/db_sample.py            # 1,000,000 rows, best of 30
    python bench/db_sample.py --rows 10000000 --runs 50
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.postgres import PrivateCluster

from sourcedoctor.connectors.postgres.source import PostgresSource


async def _best(source: PostgresSource, relation: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sample = await source.sample(relation, limit=10)
        times.append(time.perf_counter() - t0)
        assert len(sample.rows) == 10
    return min(times)


async def _measure(cluster: PrivateCluster, runs: int) -> tuple[float, float, float]:
    import asyncpg

    conn = await asyncpg.connect(
        host=str(cluster.socket_dir), port=cluster.port, user="postgres", database="postgres"
    )
    try:
        source = PostgresSource(conn, timeout=30)
        await _best(source, "bench.small", 3)  # warm the catalogue caches of both
        await _best(source, "bench.big", 3)
        small, big = await _best(source, "bench.small", runs), await _best(source, "bench.big", runs)
        t0 = time.perf_counter()
        await conn.fetchval("SELECT count(*) FROM bench.big")
        scan = time.perf_counter() - t0
    finally:
        await conn.close()
    return small, big, scan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with PrivateCluster() as cluster:
        cluster.sql(
            "CREATE SCHEMA bench;"
            "CREATE TABLE bench.small AS SELECT g AS id, md5(g::text) AS name, now() AS at "
            "FROM generate_series(1, 10) g;"
            "CREATE TABLE bench.big AS SELECT g AS id, md5(g::text) AS name, now() AS at "
            f"FROM generate_series(1, {args.rows}) g; ANALYZE bench.big;"
        )
        small, big, scan = asyncio.run(_measure(cluster, args.runs))
    print(f"sample 10 rows of 10 rows:        {small * 1000:8.2f} ms (best of {args.runs})")
    print(f"sample 10 rows of {args.rows:,} rows: {big * 1000:8.2f} ms (best of {args.runs})")
    print(f"ratio big / small:                {big / small:8.2f}  (goal <= 1.2)")
    print(f"for scale, count(*) of the big table: {scan * 1000:.1f} ms")


if __name__ == "__main__":
    main()
