"""Ingest from a real (in-process asyncssh) SFTP server: API and CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sourcedoctor import api
from sourcedoctor.lake import DataRefused, Lake, ingest_from_source, normalise_name
from sourcedoctor.preview import preview_path
from sourcedoctor.sources.base import FileEntry, FileSource, Listing
from sourcedoctor.targets import get_target

from .conftest import SFTP_PASSWORD, SftpServer
from .data import good_csv, ragged_csv, table_columns, typed_csv


class _CountingSource:
    """The real SFTP source, with the bytes each read returned added up."""

    def __init__(self, source: Any) -> None:  # an opened source's ``source`` (files here)
        self.source: FileSource = source
        self.scheme = source.scheme
        self.bytes_read = 0

    async def stat(self, path: str) -> FileEntry:
        return await self.source.stat(path)

    async def list(
        self, folder: str, *, limit: int = 10_000, depth: int = 0, glob: str | None = None
    ) -> Listing:
        return await self.source.list(folder, limit=limit, depth=depth, glob=glob)

    async def read(self, path: str, offset: int, length: int) -> bytes:
        data = await self.source.read(path, offset, length)
        self.bytes_read += len(data)
        return data


async def test_sftp_ingest_plans_from_the_preview_and_reads_the_head_once(
    sftp_server: SftpServer, lake_path: Path
) -> None:
    src = typed_csv(sftp_server.root / "inbound" / "kunden.csv", "iso-8859-1")
    settings = api.sftp_settings(
        sftp_server.url(), password=SFTP_PASSWORD, host_key_fingerprint=sftp_server.fingerprint
    )
    async with api.open_sftp_source(settings, timeout=10) as opened:
        path = f"{opened.folder.rstrip('/')}/kunden.csv"
        preview = await preview_path(opened.source, path, target=get_target("generic"))
        counting = _CountingSource(opened.source)
        result = await ingest_from_source(
            Lake(lake_path), counting, [path], "kunden", rows=None, source_label=sftp_server.url()
        )
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (50, 50, 0)
    # The head the sampler read is the start of the copy, not fetched a second time.
    assert counting.bytes_read == src.stat().st_size
    expected = [(normalise_name(c.name), c.type) for c in preview.samples[0].columns]
    assert table_columns(lake_path, "kunden") == [*expected, ("_sd_batch", "INTEGER")]


async def test_sftp_utf16_file_is_refused(sftp_server: SftpServer, lake_path: Path) -> None:
    (sftp_server.root / "inbound" / "wide.csv").write_bytes("id,n\n1,Zoë\n".encode("utf-16"))
    settings = api.sftp_settings(
        sftp_server.url(), password=SFTP_PASSWORD, host_key_fingerprint=sftp_server.fingerprint
    )
    async with api.open_sftp_source(settings, timeout=10) as opened:
        with pytest.raises(DataRefused) as err:
            await ingest_from_source(
                Lake(lake_path), opened.source, [f"{opened.folder.rstrip('/')}/wide.csv"], "w"
            )
    assert [f.code for f in err.value.findings] == ["data.encoding"]
    assert err.value.label.startswith("sftp:")
    assert Lake(lake_path).batches() == []


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
