"""Benchmark: sourcedoctor's unbounded ingest vs DuckDB's own CREATE TABLE AS read_csv, same file.

    python bench/ingest.py [--rows 1000000] [--repeat 3]

Generates a ~80 MB CSV in /tmp, then times (best of --repeat, each into a fresh DuckDB file):
  duckdb  CREATE TABLE t AS SELECT * FROM read_csv('file')
  api     Lake(path).ingest(file, 'bench', rows=None)
  cli     sourcedoctor ingest FILE --dataset bench --rows all --lake PATH  (a whole process)
and prints each time and its ratio to DuckDB's. Goal: ratio <= 1.25.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from sourcedoctor.lake import Lake


def make_csv(path: Path, rows: int) -> None:
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT range AS id, 'user' || range || '@example.com' AS email, "
        "'First' || (range % 977) AS first_name, round(random() * 1000, 2) AS amount, "
        "TIMESTAMP '2024-01-01' + to_seconds(range) AS created_at, range % 2 = 0 AS active, "
        f"'DE' AS country FROM range({rows})) TO '{path}' (HEADER, DELIMITER ',')"
    )
    con.close()


def best(repeat: int, run: Callable[[Path], None]) -> float:
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as d:
            db = Path(d) / "lake.duckdb"
            t0 = time.perf_counter()
            run(db)
            times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    src = Path(tempfile.gettempdir()) / f"sd-bench-{args.rows}.csv"
    if not src.exists():
        make_csv(src, args.rows)
    size_mb = src.stat().st_size / 1e6

    def duck(db: Path) -> None:
        con = duckdb.connect(str(db))
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{src}')")
        con.close()

    def api(db: Path) -> None:
        r = Lake(db).ingest(src, "bench", rows=None)
        assert r.rows_ingested == args.rows and r.rows_rejected == 0, r

    def cli(db: Path) -> None:
        subprocess.run(
            [
                "sourcedoctor",
                "ingest",
                str(src),
                "--dataset",
                "bench",
                "--rows",
                "all",
                "--lake",
                str(db),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "NO_COLOR": "1"},
        )

    t_duck = best(args.repeat, duck)
    t_api = best(args.repeat, api)
    t_cli = best(args.repeat, cli)
    print(f"file: {src} ({args.rows:,} rows, {size_mb:.1f} MB); best of {args.repeat}")
    print(f"duckdb CREATE TABLE AS read_csv : {t_duck:6.3f} s")
    print(f"sourcedoctor Lake.ingest (API)  : {t_api:6.3f} s   ratio {t_api / t_duck:.2f}")
    print(f"sourcedoctor ingest (CLI proc)  : {t_cli:6.3f} s   ratio {t_cli / t_duck:.2f}")


if __name__ == "__main__":
    main()
