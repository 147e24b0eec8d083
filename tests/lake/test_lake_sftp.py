"""Ingest from a real (in-process asyncssh) SFTP server: API and CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sourcedoctor import api
from sourcedoctor.lake import Lake, ingest_from_source

from .conftest import SFTP_PASSWORD, SftpServer
from .data import good_csv, ragged_csv


async def test_ingest_from_sftp_source_copies_only_the_sample(
    sftp_server: SftpServer, lake_path: Path
) -> None:
    big = good_csv(sftp_server.root / "inbound" / "customers.csv", 5000)
    settings = api.sftp_settings(
        sftp_server.url(), password=SFTP_PASSWORD, host_key_fingerprint=sftp_server.fingerprint
    )
    async with api.open_sftp_source(settings, timeout=10) as opened:
        path = f"{opened.folder.rstrip('/')}/customers.csv"
        result = await ingest_from_source(
            Lake(lake_path),
            opened.source,
            [path],
            "customers",
            rows=100,
            source_label=sftp_server.url(),
        )
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (100, 100, 0)
    f = result.files[0]
    assert not f["complete"] and f["length"] < big.stat().st_size
    assert f["file"].startswith("sftp://alice@127.0.0.1")
    batch = Lake(lake_path).batches()[0]
    assert SFTP_PASSWORD not in json.dumps(batch, default=str)


def test_cli_ingest_over_sftp(sftp_server: SftpServer, lake_path: Path) -> None:
    _, total, bad = ragged_csv(sftp_server.root / "inbound" / "orders.csv")
    env = {**os.environ, "LAKE_TEST_PW": SFTP_PASSWORD}
    run = subprocess.run(
        [
            "sourcedoctor",
            "ingest",
            sftp_server.url(),
            "--dataset",
            "orders",
            "--password-env",
            "LAKE_TEST_PW",
            "--host-key-fingerprint",
            sftp_server.fingerprint,
            "--lake",
            str(lake_path),
            "--format",
            "json",
            "--timeout",
            "10",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["rows_read"], out["rows_ingested"], out["rows_rejected"]) == (
        total,
        total - bad,
        bad,
    )
    assert SFTP_PASSWORD not in run.stdout + run.stderr
    wrong = subprocess.run(
        [
            "sourcedoctor",
            "ingest",
            sftp_server.url(),
            "--dataset",
            "orders",
            "--password-env",
            "LAKE_TEST_PW",
            "--host-key-fingerprint",
            sftp_server.fingerprint,
            "--lake",
            str(lake_path),
        ],
        capture_output=True,
        text=True,
        env={**env, "LAKE_TEST_PW": "wrong-password"},
        timeout=120,
    )
    assert wrong.returncode == 1 and wrong.stderr.startswith("error: source:")
