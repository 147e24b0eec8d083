"""Benchmark: sourcedoctor's unbounded ingest vs DuckDB's own CREATE TABLE AS read_csv, same file.

    python bench/ingest.py [--rows 1000000] [--repeat 3]

Generates a ~80 MB CSV in /tmp, then times (each run into a fresh DuckDB file):
  duckdb  CREATE TABLE t AS SELECT * FROM read_csv('file')
  api     Lake(path).ingest(file, 'bench', rows=None)   (preview sampling + plan + batch)
  cli     sourcedoctor ingest FILE --dataset bench --rows all --lake PATH  (a whole process)
  start   the same CLI on a 10-row file: the process's fixed cost (start-up, imports)
  duckproc  DuckDB's CTAS in a whole `python -c` process, the fair match for the CLI figure
The three are run in interleaved rounds, so load from other users of a shared machine falls on
all of them alike; prints the best and the median of --repeat rounds and each ratio to DuckDB's.
Goal: ratio <= 1.25.
"""

from __future__ import annotations

import argparse
import os
import statistics
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


def timed(run: Callable[[Path], None]) -> float:
    """One run into a fresh DuckDB file, in seconds."""
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "lake.duckdb"
        t0 = time.perf_counter()
        run(db)
        return time.perf_counter() - t0


def _cli(src: Path, db: Path) -> None:
    subprocess.run(
        ["sourcedoctor", "ingest", str(src), "--dataset", "bench", "--rows", "all", "--lake",
         str(db)],
        check=True,
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1"},
    )


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

    tiny = src.with_name("sd-bench-tiny.csv")
    make_csv(tiny, 10)
    def duckproc(db: Path) -> None:
        code = (
            f"import duckdb; c = duckdb.connect({str(db)!r}); "
            f"c.execute(\"CREATE TABLE t AS SELECT * FROM read_csv('{src}')\"); c.close()"
        )
        subprocess.run(["python", "-c", code], check=True)

    runs: dict[str, Callable[[Path], None]] = {
        "duckdb": duck,
        "duckproc": duckproc,
        "api": api,
        "cli": lambda db: _cli(src, db),
        "start": lambda db: _cli(tiny, db),
    }
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.repeat):
        for name, run in runs.items():
            times[name].append(timed(run))
    best = {k: min(v) for k, v in times.items()}
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"file: {src} ({args.rows:,} rows, {size_mb:.1f} MB); {args.repeat} interleaved rounds")
    print(f"{'':34}{'best':>8}{'ratio':>7}{'median':>9}{'ratio':>7}")
    labels = {
        "duckdb": "duckdb CREATE TABLE AS read_csv",
        "api": "sourcedoctor Lake.ingest (API)",
        "cli": "sourcedoctor ingest (CLI proc)",
        "start": "  of which fixed (10-row file)",
        "duckproc": "duckdb CTAS as a whole process",
    }
    for k, label in labels.items():
        print(
            f"{label:34}{best[k]:7.3f}s{best[k] / best['duckdb']:7.2f}"
            f"{med[k]:8.3f}s{med[k] / med['duckdb']:7.2f}"
        )
    print(
        f"CLI process vs DuckDB process: best {best['cli'] / best['duckproc']:.2f}, "
        f"median {med['cli'] / med['duckproc']:.2f}"
    )


if __name__ == "__main__":
    main()
