"""`sourcedoctor ingest` / `lake` as real subprocesses: crash safety, busy lake, output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from sourcedoctor.lake import Lake

from .data import good_csv, ragged_csv

_ENV = {**os.environ, "COLUMNS": "200"}


def _sd(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    run: subprocess.CompletedProcess[str] = subprocess.run(  # type: ignore[call-overload]
        ["sourcedoctor", *args], capture_output=True, text=True, env=_ENV, timeout=120, **kw
    )
    return run


def _big_csv(path: Path, rows: int) -> Path:
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT range AS id, 'user' || range || '@example.com' AS email, "
        f"range * 0.5 AS amount, 'x' || (range % 97) AS note FROM range({rows})) "
        f"TO '{path}' (HEADER, DELIMITER ',')"
    )
    con.close()
    return path


def test_ingest_json_output_and_lake_commands(tmp_path: Path, lake_path: Path) -> None:
    src, total, bad = ragged_csv(tmp_path / "ragged.csv")
    run = _sd(
        "ingest", str(src), "--dataset", "Orders", "--lake", str(lake_path), "--format", "json"
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["rows_read"], out["rows_ingested"], out["rows_rejected"]) == (
        total,
        total - bad,
        bad,
    )
    assert out["rejects_by_reason"] == {"ragged_row": bad}
    again = _sd(
        "ingest", str(src), "--dataset", "Orders", "--lake", str(lake_path), "--format", "json"
    )
    assert json.loads(again.stdout)["skipped_duplicate"] is True
    listed = json.loads(_sd("lake", "list", "--lake", str(lake_path), "--format", "json").stdout)
    assert [(d["name"], d["rows"]) for d in listed] == [("orders", total - bad)]
    rejects = json.loads(
        _sd("lake", "rejects", "1", "--lake", str(lake_path), "--format", "json").stdout
    )
    assert len(rejects) == bad
    batches = json.loads(
        _sd("lake", "batches", "--lake", str(lake_path), "--format", "json").stdout
    )
    assert [b["status"] for b in batches] == ["ok", "duplicate"]
    shown = json.loads(
        _sd(
            "lake", "show", "orders", "--rows", "3", "--lake", str(lake_path), "--format", "json"
        ).stdout
    )
    assert [r["id"] for r in shown] == [0, 1, 2]
    export = _sd(
        "lake",
        "export",
        "orders",
        "--parquet",
        str(tmp_path / "o.parquet"),
        "--lake",
        str(lake_path),
    )
    assert export.returncode == 0
    con = duckdb.connect()
    assert con.execute(f"SELECT count(*) FROM '{tmp_path / 'o.parquet'}'").fetchone() == (
        total - bad,
    )


def test_bad_input_is_one_line_exit_2(tmp_path: Path, lake_path: Path) -> None:
    run = _sd("ingest", str(tmp_path / "missing.csv"), "--dataset", "x", "--lake", str(lake_path))
    assert run.returncode == 2 and run.stderr.startswith("error: path:")
    run = _sd("lake", "show", "nothing", "--lake", str(lake_path))
    assert run.returncode == 2 and run.stderr.startswith("error: lake:")  # no lake there yet
    assert not lake_path.exists()  # reading never creates a lake
    Lake(lake_path).ingest(good_csv(tmp_path / "a.csv", 2), "a")
    run = _sd("lake", "show", "nothing", "--lake", str(lake_path))
    assert run.returncode == 2 and run.stderr.startswith("error: dataset:")
    run = _sd("ingest", "sftp://bob@127.0.0.1:99999/in", "--dataset", "x", "--lake", str(lake_path))
    assert run.returncode == 2 and run.stderr.startswith("error: url:")
    assert "Traceback" not in run.stderr


def test_busy_lake_is_reported_not_corrupted(tmp_path: Path, lake_path: Path) -> None:
    src = good_csv(tmp_path / "a.csv", 10)
    Lake(lake_path).ingest(src, "a")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from sourcedoctor.lake import Lake\n"
            f"with Lake({str(lake_path)!r}).connect():\n"
            " print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        run = _sd(
            "ingest",
            str(good_csv(tmp_path / "b.csv", 5)),
            "--dataset",
            "b",
            "--lake",
            str(lake_path),
        )
        assert run.returncode == 1
        assert run.stderr.startswith("error: lake:") and str(lake_path) in run.stderr
        listed = _sd("lake", "list", "--lake", str(lake_path))
        assert listed.returncode == 1
    finally:
        holder.kill()
        holder.wait()
    assert [d["rows"] for d in Lake(lake_path).datasets()] == [10]


def test_sigkill_mid_batch_leaves_no_partial_batch(tmp_path: Path, lake_path: Path) -> None:
    first = good_csv(tmp_path / "first.csv", 100)
    Lake(lake_path).ingest(first, "data")
    big = _big_csv(tmp_path / "big.csv", 3_000_000)
    proc = subprocess.Popen(
        [
            "sourcedoctor",
            "ingest",
            str(big),
            "--dataset",
            "data",
            "--rows",
            "all",
            "--map",
            str(_cast_map(tmp_path)),
            "--lake",
            str(lake_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_ENV,
    )
    try:
        deadline = time.monotonic() + 60
        # Wait until the ingest has the lake file open (it is then inside the batch), looking at
        # /proc rather than opening the lake, which would take the lock from under it.
        while not _has_open(proc.pid, lake_path):
            assert proc.poll() is None, "ingest finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.3)
        assert proc.poll() is None, "ingest finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    lake = Lake(lake_path)
    assert [(b["batch_id"], b["status"]) for b in lake.batches()] == [(1, "ok")]
    con = duckdb.connect(str(lake_path), read_only=True)
    assert con.execute("SELECT count(*), min(_sd_batch), max(_sd_batch) FROM data").fetchone() == (
        100,
        1,
        1,
    )
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)
    con.close()
    # The lake is usable afterwards: the next batch lands as batch 2.
    after = lake.ingest(good_csv(tmp_path / "after.csv", 7, start=500), "data")
    assert (after.batch_id, after.rows_ingested) == (2, 7)


def _cast_map(tmp_path: Path) -> Path:
    # A cast makes the batch take the staged path (slower): a wider window to kill it in.
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"cast": {"amount": "DOUBLE"}}))
    return path


def _has_open(pid: int, path: Path) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            continue
    return False
