"""Archives (and pretty-printed JSON) ingested from object storage and FTP: S3 (moto over HTTPS),
Azure Blob (Azurite) and FTP (pyftpdlib), through ``api.open_source`` as the CLI and the app
open them.

Each source is asked for the same archives: a tar.gz made by ``tar`` with a directory, a symlink,
a FIFO and a member of another schema; a zip made by ``zip`` with a stored, a deflate and a bzip2
member; and two big ones that prove the archive is read by ranged reads as it is consumed, never
fetched whole (a tar.gz streamed only as far as the row cap needs, a zip read from its central
directory at the end and then only the members' ranges).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pydantic import SecretStr

from sourcedoctor import api
from sourcedoctor.connectors import get
from sourcedoctor.lake import Lake, Sampling, ingest_from_source
from sourcedoctor.sources.base import FileSource
from tests.fixtures.azurite import KEY, Azurite
from tests.fixtures.ftpd import PASSWORD, USER, FtpServer
from tests.fixtures.moto import MotoServer
from tests.fixtures.tls import Certificates

from .data import good_csv
from .test_archives import _members, _tar_with_odd_entries, _zip_three_methods
from .test_lake_sftp import _CountingSource

STEP = 10.0
EVIL = "../../etc/passwd"
_ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}


@dataclass
class Archives:
    """The archives every source is given (file name → local copy)."""

    folder: Path

    @property
    def files(self) -> dict[str, Path]:
        return {p.name: p for p in sorted(self.folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Archives:
    work = tmp_path_factory.mktemp("archives")
    out = work / "out"
    out.mkdir()
    shutil.move(_tar_with_odd_entries(work, "daily.tgz"), out / "daily.tgz")
    zdir = work / "z"
    zdir.mkdir()
    shutil.move(_zip_three_methods(zdir), out / "three.zip")
    # Random values so the archive does not compress to nothing: ~8 MB of gzip.
    with (work / "big.csv").open("w") as fh:
        fh.write("id,token\n")
        for i in range(0, 400_000, 1000):
            fh.writelines(f"{i + j},{os.urandom(8).hex()}\n" for j in range(1000))
    with tarfile.open(out / "big.tar.gz", "w:gz") as tf:
        tf.add(work / "big.csv", "big.csv")
    # Pretty-printed JSON objects one after another (not an archive: the other shape of #17).
    (out / "events.json").write_text("".join(
        json.dumps({"id": i, "name": f"n{i}", "where": {"x": i}}, indent=2) + "\n"
        for i in range(25)))
    # A member named to climb out of any folder it would be extracted to.
    with tarfile.open(out / "evil.tar", "w") as tf:
        for name, data in (("good.csv", good_csv(work / "good.csv", 4).read_bytes()),
                           (EVIL, b"id,user\n1,root:x:0:0\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    # A large stored member after the small ones: never read when the rows are found before it.
    shutil.copy(out / "three.zip", out / "ranged.zip")
    with zipfile.ZipFile(out / "ranged.zip", "a") as zf:
        zf.writestr("zz_big.csv", os.urandom(4 << 20).hex(), compress_type=zipfile.ZIP_STORED)
    return Archives(out)


# --- the three peers, each holding the archives in a folder of their own ------------------------


@dataclass
class Peer:
    """One source holding the archives under ``folder``: how to open it, and the CLI's options."""

    name: str
    url: str
    settings: Any
    cli_args: list[str]
    env: dict[str, str]
    #: The folder as the lake records it (the connector's URL without secrets).
    label: str = ""

    def __post_init__(self) -> None:
        self.label = self.label or self.url

    def opened(self) -> AbstractAsyncContextManager[Any]:
        return api.open_source(self.settings, target="generic", timeout=STEP)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def s3_peer(archives: Archives, certs: Certificates,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    # checked=False: moto's signature check refuses ListObjectsV2 with a prefix (fixture's doc).
    with MotoServer(certs.server("good"), certs.ca_pem, tmp_path_factory.mktemp("moto"),
                    checked=False) as moto:
        admin = moto.client("s3")
        for name, path in archives.files.items():
            admin.put_object(Bucket="data", Key=f"arc/{name}", Body=path.read_bytes())
        keys = moto.keys["reader"]
        values = {"access_key_id": keys.access_key_id,
                  "secret_access_key": keys.secret_access_key, "endpoint_url": moto.endpoint,
                  "ca_bundle": str(certs.ca_pem), "region": "us-east-1"}
        yield Peer("s3", "s3://data/arc", get("s3").settings("s3://data/arc", **values),
                   ["--endpoint-url", moto.endpoint, "--ca-bundle", str(certs.ca_pem),
                    "--region", "us-east-1", "--access-key-id", keys.access_key_id,
                    "--secret-access-key-env", "ARC_SECRET"],
                   {"ARC_SECRET": keys.secret_access_key})


@pytest.fixture(scope="module")
def azblob_peer(archives: Archives, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    from azure.storage.blob import BlobServiceClient

    with Azurite(tmp_path_factory.mktemp("azurite")) as azurite:
        service = BlobServiceClient(azurite.endpoint, credential={
            "account_name": "devstoreaccount1", "account_key": KEY}, retry_total=0)
        with service:
            container = service.get_container_client("data")
            for name, path in archives.files.items():
                container.upload_blob(f"arc/{name}", path.read_bytes(), overwrite=True)
        secret = azurite.connection_string()
        yield Peer("azblob", "azblob:///data/arc",
                   get("azblob").settings("azblob:///data/arc",
                                          connection_string=SecretStr(secret)),
                   ["--connection-string-env", "ARC_SECRET"], {"ARC_SECRET": secret},
                   label="azblob://devstoreaccount1/data/arc")


@pytest.fixture(scope="module")
def ftp_peer(archives: Archives, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    root = tmp_path_factory.mktemp("ftp-root")
    shutil.copytree(archives.folder, root / "arc")
    server = FtpServer(root, mode="plain").start()
    try:
        url = f"ftp://{USER}@{server.host}:{server.port}/arc"
        yield Peer("ftp", url, get("ftp").settings(url, password=SecretStr(PASSWORD)),
                   ["--password-env", "ARC_SECRET"], {"ARC_SECRET": PASSWORD})
        assert server.wrote == []  # a read-only client: nothing was ever written there
    finally:
        server.stop()


@pytest.fixture(params=["s3", "azblob", "ftp"])
def peer(request: pytest.FixtureRequest) -> Peer:
    fixture: Peer = request.getfixturevalue(f"{request.param}_peer")
    return fixture


async def _ingest(peer: Peer, lake_path: Path, name: str, rows: int | None,
                  dataset: str, **kw: Any) -> tuple[Any, int]:
    """Ingest the file ``name`` of the peer's folder (its path as the listing spells it) as the
    CLI does; the result and the bytes the source's reads returned."""
    async with peer.opened() as opened:
        listing = await opened.source.list(opened.folder)
        path = next(e.path for e in listing.files if e.name == name)
        source: FileSource = opened.source
        counting = _CountingSource(source)
        result = await ingest_from_source(Lake(lake_path), counting, [path], dataset,
                                          rows=rows, source_label=peer.label,
                                          folder=opened.folder, **kw)
        return result, counting.bytes_read


# --- the tests -----------------------------------------------------------------------------------


async def test_tar_gz_members_land_and_odd_entries_are_skipped(
    peer: Peer, lake_path: Path
) -> None:
    result, _ = await _ingest(peer, lake_path, "daily.tgz", None, "daily")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (30, 30, 0)
    assert _members(result.files) == {
        "a.csv": 10, "sub": "directory", "sub/b.csv": 20, "link.csv": "symlink",
        "pipe": "fifo", "notes.csv": "other_schema"}
    archive = f"{peer.label}/daily.tgz"  # the folder's URL + the file: the folder named once
    assert {f["archive"] for f in result.files} == {archive}
    assert {n.code for n in result.notes} >= {"data.archive_entry_skipped", "data.schema_mismatch"}
    with duckdb.connect(str(lake_path), read_only=True) as con:
        rows = con.execute("SELECT _sd_archive, _sd_member, count(*) FROM daily "
                           "GROUP BY ALL ORDER BY ALL").fetchall()
    assert rows == [(archive, "a.csv", 10), (archive, "sub/b.csv", 20)]


async def test_zip_bzip2_member_is_named_failure_under_aep(peer: Peer, lake_path: Path) -> None:
    result, _ = await _ingest(peer, lake_path, "three.zip", None, "three",
                              sampling=Sampling(target="aep", timeout=STEP))
    assert _members(result.files) == {"a.csv": 40, "b.csv": 60, "c.csv": "method"}
    note = next(n for n in result.notes if n.code == "data.compression_unsupported")
    assert (note.evidence["member"], note.evidence["method"]) == ("c.csv", "bzip2")
    assert note.severity.label == "fail"
    again, _ = await _ingest(peer, lake_path, "three.zip", None, "three",
                             sampling=Sampling(target="aep", timeout=STEP))
    assert again.skipped_duplicate and again.rows_ingested == 0


async def test_a_traversal_name_is_skipped_and_named(
    peer: Peer, lake_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR: the members' temp files
    assert tempfile.gettempdir() == str(temp)
    monkeypatch.chdir(tmp_path)
    result, _ = await _ingest(peer, lake_path, "evil.tar", None, "evil")
    assert _members(result.files) == {"good.csv": 4, EVIL: "unsafe_name"}
    note = next(n for n in result.notes if n.code == "data.archive_unsafe_name")
    assert note.evidence["member"] == EVIL and note.severity.label == "fail"
    assert not any(p.name == "passwd" for p in tmp_path.parent.rglob("*"))
    assert list(temp.iterdir()) == []  # the good member's temp file went with the batch


async def test_pretty_printed_json_lands_with_the_aep_note(peer: Peer, lake_path: Path) -> None:
    result, _ = await _ingest(peer, lake_path, "events.json", 10, "events")
    assert (result.rows_read, result.rows_ingested) == (10, 10)  # the cap, in whole objects
    assert result.files[0]["format"] == "json_multiline" and not result.notes
    aep, _ = await _ingest(peer, lake_path, "events.json", None, "events_aep",
                           sampling=Sampling(target="aep", timeout=STEP))
    assert (aep.rows_read, aep.rows_ingested) == (25, 25)
    assert [n.code for n in aep.notes] == ["data.json_multiline"]


async def test_tar_gz_is_streamed_only_as_far_as_the_rows_need(
    peer: Peer, lake_path: Path, archives: Archives
) -> None:
    result, read = await _ingest(peer, lake_path, "big.tar.gz", 1000, "big")
    assert (result.rows_read, result.rows_ingested) == (1000, 1000)
    assert result.files[0]["member"] == "big.csv"
    assert read < archives.files["big.tar.gz"].stat().st_size / 3, read


async def test_zip_is_read_by_ranges_from_its_central_directory(
    peer: Peer, lake_path: Path, archives: Archives
) -> None:
    result, read = await _ingest(peer, lake_path, "ranged.zip", 100, "ranged")
    assert _members(result.files) == {"a.csv": 40, "b.csv": 60}
    assert read < archives.files["ranged.zip"].stat().st_size / 4, read


def _sd(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True,
                          env={**_ENV, **env}, timeout=180, stdin=subprocess.DEVNULL)


def test_cli_ingest_of_an_archive_and_lake_batches_show_members(peer: Peer, tmp_path: Path) -> None:
    lake = tmp_path / "lake.duckdb"
    run = _sd("ingest", peer.url, *peer.cli_args, "--file", "three.zip", "--dataset", "three",
              "--rows", "all", "--lake", str(lake), "--format", "json", "--timeout", str(STEP),
              env=peer.env)
    assert run.returncode == 0, run.stderr
    assert peer.env["ARC_SECRET"] not in run.stdout + run.stderr
    out = json.loads(run.stdout)
    assert out["rows_read"] == out["rows_ingested"] + out["rows_rejected"] == 100
    assert _members(out["files"]) == {"a.csv": 40, "b.csv": 60, "c.csv": "method"}
    assert {f["archive"] for f in out["files"]} == {f"{peer.label}/three.zip"}
    batches = json.loads(_sd("lake", "batches", "--lake", str(lake), "--format", "json",
                             env={}).stdout)
    assert _members(batches[0]["files"]) == {"a.csv": 40, "b.csv": 60, "c.csv": "method"}
    # The text table lists the members too (its cell may wrap between words: words checked).
    text = _sd("lake", "batches", "--lake", str(lake), env={}).stdout
    assert "three.zip:" in text and "[0–949];" in text and "[skipped:" in text
    exported = tmp_path / "three.csv"
    assert _sd("lake", "export", "three", "--csv", str(exported), "--lake", str(lake),
               env={}).returncode == 0
    with duckdb.connect() as con:
        rows = con.execute("SELECT _sd_member, count(*) FROM read_csv(?) GROUP BY ALL "
                           "ORDER BY ALL", [str(exported)]).fetchall()
    assert rows == [("a.csv", 40), ("b.csv", 60)]
