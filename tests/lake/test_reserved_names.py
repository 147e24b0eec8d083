"""The lake's own tables (datasets, batches, rejects) cannot be reached by a dataset name."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from sourcedoctor.lake import Lake, LakeError
from sourcedoctor.lake.names import RESERVED_DATASETS, dataset_name
from sourcedoctor.lake.schema import DDL

from .data import good_csv

_ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}


def _sd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=_ENV,
                          timeout=120, stdin=subprocess.DEVNULL)


# Each reserved name as a user might type it: normalisation must not let a variant through.
SPELLINGS = [*sorted(RESERVED_DATASETS), "Rejects", " BATCHES ", "datasets!", "réjects"]


@pytest.mark.parametrize("name", SPELLINGS)
def test_reserved_names_are_refused_before_anything_is_written(
    name: str, tmp_path: Path, lake_path: Path
) -> None:
    with pytest.raises(LakeError) as exc:
        Lake(lake_path).ingest(good_csv(tmp_path / "a.csv", 3), name)
    assert exc.value.field == "dataset"
    assert not lake_path.exists()


def test_a_name_that_only_contains_a_reserved_word_is_fine() -> None:
    assert dataset_name("rejects_data") == "rejects_data"
    assert dataset_name("my batches") == "my_batches"


def test_cli_refuses_rejects_with_one_line_and_later_ingests_still_work(
    tmp_path: Path, lake_path: Path
) -> None:
    records = tmp_path / "r.jsonl"
    # Records shaped like the rejects table: this is what once slipped into it.
    records.write_text("".join(
        json.dumps({"batch_id": i, "dataset": "x", "file": "f", "reason": "r"}) + "\n"
        for i in range(3)))
    run = _sd("ingest", str(records), "--dataset", "rejects", "--lake", str(lake_path))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [run.stderr.strip()]
    assert run.stderr.startswith("error: dataset:")
    run = _sd("ingest", str(good_csv(tmp_path / "c.csv", 5)), "--dataset", "customers",
              "--lake", str(lake_path))
    assert run.returncode == 0, run.stderr
    assert [d["name"] for d in Lake(lake_path).datasets()] == ["customers"]
    for args in (["show", "rejects"], ["export", "batches", "--csv", str(tmp_path / "o.csv")],
                 ["batches", "--dataset", "datasets"]):
        run = _sd("lake", *args, "--lake", str(lake_path))
        assert run.returncode == 2 and run.stderr.startswith("error: dataset:"), args
    assert not (tmp_path / "o.csv").exists()


def _damaged_lake(path: Path, tmp_path: Path) -> None:
    """A lake as an older sourcedoctor left it after ``ingest --dataset rejects``."""
    Lake(path).ingest(good_csv(tmp_path / "keep.csv", 4), "customers")
    con = duckdb.connect(str(path))
    for ddl in DDL:
        con.execute(ddl)
    con.execute('ALTER TABLE rejects ADD COLUMN "_sd_batch" INTEGER')
    con.execute("INSERT INTO datasets VALUES ('rejects', now(), NULL, '{}', 'json_lines')")
    con.close()


def test_a_lake_damaged_by_an_older_version_is_named_and_can_still_be_exported(
    tmp_path: Path, lake_path: Path
) -> None:
    _damaged_lake(lake_path, tmp_path)
    with pytest.raises(LakeError) as exc:
        Lake(lake_path).ingest(good_csv(tmp_path / "more.csv", 2), "customers")
    assert exc.value.field == "lake"
    assert "rejects" in exc.value.message
    # The way out the message gives: export what you need (reading still works).
    out = tmp_path / "customers.parquet"
    assert Lake(lake_path).export("customers", out, "parquet") == 4
    assert duckdb.connect().execute(f"SELECT count(*) FROM '{out}'").fetchone() == (4,)
