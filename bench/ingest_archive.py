"""Benchmark: ingest of a CSV inside a tar.gz vs the same CSV gzipped, whole `sourcedoctor` process.

    python bench/ingest_archive.py [--rows 1000000] [--repeat 3]

Generates the 1,000,000-row CSV of bench/ingest.py in /tmp, then ``gzip -c`` and ``tar -czf`` of it
(the same gzip level, 6), and times ``sourcedoctor ingest FILE --dataset bench --rows all --lake
NEW`` on each, in interleaved rounds (so load from other users of the shared machine falls on
both alike). Both decompress the same bytes and cut them with the same record cutter; the tar.gz
adds the archive layer (tar headers, sampling the member, lineage columns). Prints best and
median per kind, the ratios tar.gz / gzip, and the median of the per-round ratios (each round
runs both back to back, so it is the figure least moved by others' load). Goal: ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from ingest import make_csv  # bench/ingest.py: the same 1,000,000-row CSV


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(src: Path, rows: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole ingest process into a fresh lake."""
    with tempfile.TemporaryDirectory() as d:
        cpu0, t0 = _children_cpu(), time.perf_counter()
        _cli(src, Path(d) / "lake.duckdb", rows)
        return time.perf_counter() - t0, _children_cpu() - cpu0


def _cli(src: Path, db: Path, rows: int) -> None:
    run = subprocess.run(
        ["sourcedoctor", "ingest", str(src), "--dataset", "bench", "--rows", "all", "--lake",
         str(db), "--format", "json"],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
    )
    if run.returncode != 0:
        raise SystemExit(f"ingest of {src} failed: {run.stderr.strip()}")
    if f'"rows_ingested": {rows}' not in run.stdout:
        raise SystemExit(f"ingest of {src} did not land {rows} rows: {run.stdout[:400]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.gettempdir())
    src = tmp / f"sd-bench-{args.rows}.csv"
    if not src.exists():
        make_csv(src, args.rows)
    gz = tmp / f"sd-bench-{args.rows}.csv.gz"
    tgz = tmp / f"sd-bench-{args.rows}.tar.gz"
    if not gz.exists():
        with gz.open("wb") as out:
            subprocess.run(["gzip", "-6", "-c", str(src)], stdout=out, check=True)
    if not tgz.exists():
        with tgz.open("wb") as out:  # tar | gzip -6: the same gzip level as the .gz
            tar = subprocess.Popen(["tar", "-cf", "-", "-C", str(src.parent), src.name],
                                   stdout=subprocess.PIPE)
            subprocess.run(["gzip", "-6", "-c"], stdin=tar.stdout, stdout=out, check=True)
            if tar.wait() != 0:
                raise SystemExit("tar failed")
    print(f"{src.name}: {src.stat().st_size / 1e6:.1f} MB; gzip {gz.stat().st_size / 1e6:.1f} MB;"
          f" tar.gz {tgz.stat().st_size / 1e6:.1f} MB; {args.repeat} interleaved rounds")
    kinds = {"gzip": gz, "tar.gz": tgz}
    wall: dict[str, list[float]] = {k: [] for k in kinds}
    cpu: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(args.repeat):
        for kind, path in kinds.items():
            w, c = timed(path, args.rows)
            wall[kind].append(w)
            cpu[kind].append(c)
    print(f"{'run':<8} {'wall best':>10} {'median':>8} {'cpu best':>9} {'median':>8}"
          "   (whole `sourcedoctor ingest --rows all` process)")
    for kind in kinds:
        print(f"{kind:<8} {min(wall[kind]):>9.2f}s {statistics.median(wall[kind]):>7.2f}s "
              f"{min(cpu[kind]):>8.2f}s {statistics.median(cpu[kind]):>7.2f}s")
    ratios = {
        "wall best": min(wall["tar.gz"]) / min(wall["gzip"]),
        "wall median": statistics.median(wall["tar.gz"]) / statistics.median(wall["gzip"]),
        "cpu best": min(cpu["tar.gz"]) / min(cpu["gzip"]),
        "cpu median": statistics.median(cpu["tar.gz"]) / statistics.median(cpu["gzip"]),
    }
    # Each round runs the two back to back: the median of the per-round ratios cancels most of
    # the load other users put on the machine during a round.
    paired = [t / g for t, g in zip(wall["tar.gz"], wall["gzip"], strict=True)]
    ratios["wall paired median"] = statistics.median(paired)
    print("ratio tar.gz / gzip: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))
    print("per round (wall): " + " ".join(f"{r:.2f}" for r in paired))
    verdict = "OK" if ratios["wall best"] <= 1.3 else "over the goal"
    print(f"goal <= 1.3 (wall, best): {verdict}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores (wall figures swing with other users' load; CPU is steadier)")


if __name__ == "__main__":
    main()
