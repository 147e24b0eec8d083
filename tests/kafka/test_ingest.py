"""``sourcedoctor ingest kafka://…`` and ``sourcedoctor lake batches`` as a user runs them
(subprocesses) against Tansu: the batch size is ingest's own ``--rows`` (not the check's record
sample), and the batch listing shows a topic's rows."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures.tansu import TansuBroker
from tests.kafka.test_cli import run


def test_ingest_default_rows_and_all_land_the_topic(tansu: TansuBroker, tmp_path: Path) -> None:
    lake = str(tmp_path / "lake.duckdb")
    url = f"kafka://{tansu.bootstrap}/orders"
    first = run("ingest", url, "--dataset", "qa", "--lake", lake, "--timeout", "5",
                "--format", "json")  # no --rows: ingest's default (10000), above the check's cap
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert (result["rows_read"], result["rows_ingested"]) == (3, 3)
    for rows in ("all", "0", "5000"):
        again = run("ingest", url, "--dataset", "qa", "--lake", lake, "--rows", rows, "--force",
                    "--timeout", "5", "--format", "json")
        assert again.returncode == 0, (rows, again.stderr)
        assert json.loads(again.stdout)["rows_ingested"] == 3


def test_lake_batches_text_lists_a_topic_batch(tansu: TansuBroker, tmp_path: Path) -> None:
    lake = str(tmp_path / "lake.duckdb")
    proc = run("ingest", f"kafka://{tansu.bootstrap}/orders", "--dataset", "qa", "--lake", lake,
               "--rows", "2", "--timeout", "5")
    assert proc.returncode == 0, proc.stderr
    listed = run("lake", "batches", "--lake", lake)
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr and "orders [2 rows]" in listed.stdout


def test_check_keeps_its_own_record_sample_cap(tansu: TansuBroker) -> None:
    proc = run("check", f"kafka://{tansu.bootstrap}/orders", "--rows", "5000")
    assert proc.returncode == 2 and "rows: must be between 1 and 1000" in proc.stderr


def test_hints_without_a_topic_name_the_kafka_options(tansu: TansuBroker, tmp_path: Path) -> None:
    preview = run("preview", f"kafka://{tansu.bootstrap}/", "--timeout", "5")
    assert preview.returncode == 0, preview.stderr
    assert "--topic TOPIC" in preview.stderr and "--table" not in preview.stderr
    assert "orders" in preview.stdout
    ingest = run("ingest", f"kafka://{tansu.bootstrap}/", "--dataset", "x", "--rows", "10",
                 "--lake", str(tmp_path / "lake.duckdb"), "--timeout", "5")
    assert ingest.returncode == 2
    assert "kafka://BROKER/TOPIC" in ingest.stderr and "--table" not in ingest.stderr
    assert "orders" in ingest.stderr
    named = run("preview", f"kafka://{tansu.bootstrap}/", "--topic", "orders", "--timeout", "5",
                "--format", "json")  # the option the hint names works
    assert named.returncode == 0 and json.loads(named.stdout)["path"] == "orders", named.stderr
