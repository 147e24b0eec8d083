"""``sourcedoctor preview`` and ``sourcedoctor ingest`` of a real PostgreSQL table, as a user runs
them (subprocesses), through the PostgreSQL connector (connectors/postgres) against the machine's
server (127.0.0.1:5432, trust auth, database ``test``). Each test creates its own table with
asyncpg and drops it afterwards (conftest.py)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

from sourcedoctor import api
from sourcedoctor.lake import Lake

from .conftest import DSN, HOSTILE


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False, stdin=subprocess.DEVNULL)


def test_preview_json_has_rows_and_types(table: str) -> None:
    proc = run("preview", f"{DSN}?table={table}", "--rows", "3", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["kind"], data["path"], data["source"]) == ("relation", table, "postgresql")
    (sample,) = data["samples"]
    assert sample["truncated"] is True  # 5 rows, 3 shown
    types = {c["name"]: (c["type"], c["platform_type"]) for c in sample["columns"]}
    assert types["amount"] == ("numeric(10,2)", "number")
    assert types["placed_at"][1] == "date-time" and types["tags"][1] == "array"
    assert types["blob"] == ("bytea", None)
    assert sample["facts"]["unsupported_columns"] == ["blob"]
    assert sample["rows"][0]["amount"] == "1.50" and sample["rows"][0]["id"] == 1
    assert sample["rows"][0]["placed_at"] == "2025-01-15T09:01:00+00:00"


def test_preview_text_escapes_values_and_flags_unsupported(table: str) -> None:
    proc = run("preview", DSN, "--table", table, "--rows", "10")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr and "\u202e" not in proc.stdout
    assert "\\x1b]0;owned" in proc.stdout and "[bold]x[/bold]" in proc.stdout
    assert "bytea → UNSUPPORTED" in proc.stderr and "5 row(s), the whole relation" in proc.stderr


def test_preview_without_table_lists_relations(table: str) -> None:
    proc = run("preview", DSN, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["kind"] == "relations"
    listed = {e["name"]: e for e in data["entries"]}
    assert listed[table]["kind"] == "table" and listed[table]["parent"] == "public"


def test_preview_unknown_table_is_one_line(table: str) -> None:
    proc = run("preview", f"{DSN}?table={table}x")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and table in proc.stderr


def test_ingest_lands_rows_once(table: str, tmp_path: Path) -> None:
    lake_path = tmp_path / "lake.duckdb"
    args = ("ingest", f"{DSN}?table={table}", "--dataset", "orders", "--lake", str(lake_path))
    first = run(*args, "--format", "json")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert (result["rows_read"], result["rows_ingested"], result["rows_rejected"]) == (5, 5, 0)
    assert result["files"][0]["relation"] == table
    assert any("blob (bytea) has no platform type: stored as text" in n
               for n in result["files"][0]["notes"])
    again = run(*args)
    assert again.returncode == 0, again.stderr
    assert "already ingested" in again.stderr and "added 0 rows" in again.stderr
    lake = Lake(lake_path)
    columns, rows = lake.show("orders", 10)
    assert columns[:7] == ["id", "customer", "amount", "placed_at", "doc", "tags", "blob"]
    assert {r[0] for r in rows} == {1, 2, 3, 4, 5}
    assert next(r for r in rows if r[0] == 5)[1] == HOSTILE
    assert next(r for r in rows if r[0] == 1)[6] == "\\x0102"
    assert [b["status"] for b in lake.batches("orders")] == ["ok", "duplicate"]


def test_lake_batches_text_lists_a_table_batch(table: str, tmp_path: Path) -> None:
    lake_path = str(tmp_path / "lake.duckdb")
    assert run("ingest", f"{DSN}?table={table}", "--dataset", "orders", "--lake", lake_path,
               "--rows", "3").returncode == 0
    listed = run("lake", "batches", "--lake", lake_path)
    assert listed.returncode == 0, listed.stderr
    assert f"{table} [3 rows]" in listed.stdout


def test_ingest_rows_cap_and_summary(table: str, tmp_path: Path) -> None:
    proc = run("ingest", f"{DSN}?table={table}", "--dataset", "orders", "--rows", "2",
               "--lake", str(tmp_path / "lake.duckdb"))
    assert proc.returncode == 0, proc.stderr
    assert f"{table} (postgresql): read 2 row(s) (sample: more rows exist)" in proc.stderr
    assert "read 2 · ingested 2 · rejected 0" in proc.stderr


def test_ingest_without_table_names_the_relations(table: str, tmp_path: Path) -> None:
    proc = run("ingest", DSN, "--dataset", "orders", "--lake", str(tmp_path / "lake.duckdb"))
    assert proc.returncode == 2
    assert "error: table: name the table or topic to ingest" in proc.stderr
    assert not (tmp_path / "lake.duckdb").exists()


def test_open_source_yields_the_row_source(table: str) -> None:
    async def go() -> tuple[bool, str | None, int]:
        settings = api.settings(f"{DSN}?table={table}")
        async with api.open_source(settings) as opened:
            sample = await opened.source.sample(opened.relation or "", limit=2)  # type: ignore[union-attr]
            return isinstance(opened.source, api.RowSource), opened.relation, len(sample.rows)

    assert asyncio.run(go()) == (True, table, 2)


def test_ingest_interrupted_says_what_the_lake_holds(tmp_path: Path) -> None:
    """A real SIGINT across a row ingest (diagnosis, sample, conversion, commit): exit 130 (or 0
    when it finished first), and what it says about the batch is what the lake holds."""
    import signal
    import time
    import uuid

    from .conftest import _sql

    name = f"public.sd_rows_big_{uuid.uuid4().hex[:8]}"
    asyncio.run(_sql((f"CREATE TABLE {name} AS SELECT i AS id, md5(i::text) AS h, "
                      "i * 0.5 AS x FROM generate_series(1, 150000) AS i", ())))
    try:
        def start(lake: Path) -> subprocess.Popen[str]:
            env = {**os.environ, "NO_COLOR": "1"}
            return subprocess.Popen(
                ["sourcedoctor", "ingest", f"{DSN}?table={name}", "--dataset", "big", "--rows",
                 "all", "--lake", str(lake), "--format", "json"], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, env=env, stdin=subprocess.DEVNULL)

        t0 = time.monotonic()
        whole = start(tmp_path / "whole.duckdb")
        out, err = whole.communicate(timeout=120)
        took = time.monotonic() - t0
        assert whole.returncode == 0, err
        assert json.loads(out)["rows_ingested"] == 150000
        outcomes = set()
        # Not in the last fifth: a SIGINT during the interpreter's teardown, after the result was
        # printed, ends the process by the signal (-2) — a CLI-wide matter, not the row ingest's.
        for n, fraction in enumerate((0.3, 0.55, 0.75)):
            lake = tmp_path / f"lake{n}.duckdb"
            proc = start(lake)
            time.sleep(took * fraction)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=120)
            assert "Traceback" not in err, err
            stored = Lake(lake).batches() if lake.exists() else []
            if proc.returncode == 0:
                outcomes.add("finished")
                assert len(stored) == 1
                continue
            assert proc.returncode == 130, err
            said = json.loads(out) if out.strip() else {"stored_batch": None}
            if said["stored_batch"] is None:
                assert stored == [], f"said nothing stored, the lake holds {stored}"
                outcomes.add("nothing")
            else:
                assert [b["batch_id"] for b in stored] == [said["stored_batch"]["batch_id"]]
                assert stored[0]["rows_ingested"] == 150000
                outcomes.add("stored")
        assert outcomes & {"nothing", "stored"}, outcomes
    finally:
        asyncio.run(_sql((f"DROP TABLE IF EXISTS {name}", ())))
