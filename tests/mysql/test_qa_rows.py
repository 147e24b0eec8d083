"""Rows of a healthy MariaDB table land as the types layer says (QA report items 1, 2, 15):
tinyint(1) as booleans, MariaDB's JSON (LONGTEXT with a json_valid check) as JSON, and a batch
whose every row was rejected neither looks like a success nor blocks a retry."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sourcedoctor.connectors.mysql.client import login
from sourcedoctor.connectors.mysql.source import MysqlSource
from sourcedoctor.lake import Lake
from sourcedoctor.sources.rows import Column, RowSample
from tests.fixtures.mariadb import MachineMariadb
from tests.mysql.helpers import settings


@pytest.fixture
def flags(machine: MachineMariadb) -> Iterator[str]:
    """``flags``: a tinyint(1), a bit(1), a MariaDB JSON column; one out-of-range tinyint(1)."""
    db = machine.database
    with machine.admin() as a:
        a.run(f"CREATE TABLE `{db}`.flags (id INT PRIMARY KEY, active TINYINT(1), bit1 BIT(1), "
              "doc JSON)",
              f"INSERT INTO `{db}`.flags VALUES (1, 1, b'1', '{{\"a\": 1}}'), (2, 0, b'0', NULL), "
              "(3, NULL, NULL, '{}')",
              f"GRANT SELECT ON `{db}`.flags TO '{machine.reader}'@'%'")
    try:
        yield "flags"
    finally:
        with machine.admin() as a:
            a.run(f"DROP TABLE IF EXISTS `{db}`.flags")


async def _sample(machine: MachineMariadb, relation: str) -> RowSample:
    result = await login(settings(machine.url(), password=machine.password), use_tls=False, timeout=5.0)
    assert result.session is not None
    try:
        source = MysqlSource(result.session, machine.database, mariadb=True, statement_timeout=5.0)
        return await source.sample(relation, limit=10)
    finally:
        result.session.close()


async def test_tinyint1_and_bit1_come_back_as_booleans(machine: MachineMariadb, flags: str) -> None:
    sample = await _sample(machine, flags)
    types = {c.name: c.platform_type for c in sample.columns}
    assert types == {"id": "integer", "active": "boolean", "bit1": "boolean", "doc": "object"}
    assert [r[1:3] for r in sample.rows] == [(True, True), (False, False), (None, None)]


async def test_mariadb_json_column_is_an_object(machine: MachineMariadb, flags: str) -> None:
    sample = await _sample(machine, flags)
    doc = next(c for c in sample.columns if c.name == "doc")
    assert (doc.type, doc.platform_type) == ("json", "object")


async def test_healthy_table_ingests_without_rejects(machine: MachineMariadb, flags: str,
                                                     tmp_path: Path) -> None:
    sample = await _sample(machine, flags)
    result = Lake(tmp_path / "lake.duckdb").ingest_rows(sample, "flags", source="mysql")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (3, 3, 0)


async def test_out_of_range_tinyint1_is_rejected_not_guessed(machine: MachineMariadb, flags: str,
                                                             tmp_path: Path) -> None:
    with machine.admin() as a:
        a.run(f"INSERT INTO `{machine.database}`.flags VALUES (4, 7, NULL, NULL)")
    sample = await _sample(machine, flags)
    lake = Lake(tmp_path / "lake.duckdb")
    result = lake.ingest_rows(sample, "flags", source="mysql")
    assert (result.rows_ingested, result.rows_rejected) == (3, 1)
    assert lake.rejects(result.batch_id)[0]["detail"] == "active: a int in a boolean column"


def _ingest(url: str, password: str, lake: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sourcedoctor", "ingest", url, "--password-env", "SD_TEST_PW",
                           "--dataset", "qa", "--lake", str(lake), "--format", "json"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", "SD_TEST_PW": password},
                          stdin=subprocess.DEVNULL)


def test_cli_ingest_of_tinyint1_lands_every_row(machine: MachineMariadb, flags: str,
                                                tmp_path: Path) -> None:
    run = _ingest(machine.url(table=flags), machine.password, tmp_path / "lake.duckdb")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["rows_read"], out["rows_ingested"], out["rows_rejected"]) == (3, 3, 0)


COLS = (Column("id", "int", "integer"), Column("flag", "tinyint(1)", "boolean"))
ALL_BAD = RowSample("db.t", COLS, ((1, "x"), (2, "y")), more=False)


def test_all_rejected_batch_does_not_block_a_retry(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake.duckdb")
    first = lake.ingest_rows(ALL_BAD, "qa")
    assert (first.rows_ingested, first.rows_rejected) == (0, 2)
    again = lake.ingest_rows(ALL_BAD, "qa")
    assert not again.skipped_duplicate and again.duplicate_of is None
    assert (again.rows_read, again.rows_rejected) == (2, 2)
    good = RowSample("db.t", COLS, ((1, True),), more=False)
    lake.ingest_rows(good, "qa")
    assert lake.ingest_rows(good, "qa").skipped_duplicate  # a batch that landed rows still counts


def test_cli_all_rejected_is_not_a_success(machine: MachineMariadb, flags: str,
                                           tmp_path: Path) -> None:
    with machine.admin() as a:
        a.run(f"UPDATE `{machine.database}`.flags SET active = 9")
    lake = tmp_path / "lake.duckdb"
    run = _ingest(machine.url(table=flags), machine.password, lake)
    assert run.returncode == 1, run.stderr
    assert json.loads(run.stdout)["rows_ingested"] == 0
    text = subprocess.run(["sourcedoctor", "ingest", machine.url(table=flags), "--password-env",
                           "SD_TEST_PW", "--dataset", "qa", "--lake", str(lake)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env={**os.environ, "NO_COLOR": "1", "SD_TEST_PW": machine.password})
    assert text.returncode == 1 and "every row was rejected" in text.stderr  # a retry, not a duplicate


async def test_tui_all_rejected_batch_is_not_shown_as_success(tmp_path: Path) -> None:
    from textual.widgets import Static

    from sourcedoctor.tui.app import SourceDoctorApp
    from sourcedoctor.tui.profiles import ProfileStore
    from sourcedoctor.tui.screens.preview_rows import RowIngestScreen

    class Rows:
        scheme = "mysql"

        async def relations(self, parent: str | None = None, *, limit: int = 1_000) -> object:
            raise AssertionError("not listed")

        async def sample(self, relation: str, *, limit: int) -> RowSample:
            return ALL_BAD

    app = SourceDoctorApp(profiles=ProfileStore(tmp_path / "profiles.json"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = RowIngestScreen(Rows(), "db.t", ALL_BAD, None,  # type: ignore[arg-type]
                                 lake_path=tmp_path / "lake.duckdb")
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("ctrl+g")
        for _ in range(50):
            await pilot.pause(0.1)
            if screen.result is not None:
                break
        assert screen.result is not None and screen.result.rows_ingested == 0
        status = str(screen.query_one("#ingest-status", Static).render())
    assert status.startswith("✗ 0 rows ingested: all 2 rejected") and "✓" not in status
