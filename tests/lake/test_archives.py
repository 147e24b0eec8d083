"""Archives in the lake: zip, tar, tar.gz and raw deflate, member by member, locally and over the
real embedded SFTP server. Archives are made by the ``zip`` and ``tar`` commands and by Python's
``zipfile``/``tarfile`` (for what the commands refuse to write: traversal names, devices)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sourcedoctor import api
from sourcedoctor.lake import DataRefused, Lake, Sampling, archives, ingest_from_source

from .conftest import SFTP_PASSWORD, SftpServer
from .data import good_csv, ragged_csv
from .test_lake_sftp import _CountingSource

_ENV = {**os.environ, "COLUMNS": "200"}


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is required under CI")
        pytest.skip(f"{tool} is not installed")


def _sd(*args: str, env: dict[str, str] | None = None, **kw: Any
        ) -> subprocess.CompletedProcess[str]:
    run: subprocess.CompletedProcess[str] = subprocess.run(
        ["sourcedoctor", *args], capture_output=True, text=True, env=env or _ENV, timeout=120,
        **kw
    )
    return run


def _members(files: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> dict[str, Any]:
    return {f["member"]: f.get("skipped") or f["rows_read"] for f in files}


def _codes(result: Any) -> dict[str, str]:
    return {n.code: n.severity.label for n in result.notes}


def _zip_three_methods(folder: Path) -> Path:
    """``zip``: a.csv stored (-0), b.csv deflated, c.csv bzip2 — 40, 60 and 50 records."""
    _need("zip")
    good_csv(folder / "a.csv", 40)
    good_csv(folder / "b.csv", 60, start=100)
    good_csv(folder / "c.csv", 50, start=200)
    out = folder / "three.zip"
    for name, method in (("a.csv", ["-0"]), ("b.csv", ["-Z", "deflate"]),
                         ("c.csv", ["-Z", "bzip2"])):
        subprocess.run(["zip", "-q", *method, str(out), name], cwd=folder, check=True)
    with zipfile.ZipFile(out) as zf:
        assert [i.compress_type for i in zf.infolist()] == [0, 8, 12]  # the fixture is right
    return out


def _tar_with_odd_entries(folder: Path, name: str = "daily.tar.gz") -> Path:
    """``tar -czf``: a directory, a symlink, a FIFO, two CSV members (10 and 20 records) and one
    of another schema."""
    _need("tar")
    src = folder / "src"
    (src / "sub").mkdir(parents=True)
    good_csv(src / "a.csv", 10)
    good_csv(src / "sub" / "b.csv", 20, start=10)
    (src / "notes.csv").write_text("x;y\n1;2\n")
    (src / "link.csv").symlink_to("a.csv")
    os.mkfifo(src / "pipe")
    out = folder / name
    subprocess.run(["tar", "-czf", str(out), "a.csv", "sub", "link.csv", "pipe", "notes.csv"],
                   cwd=src, check=True)
    return out


def test_zip_stored_and_deflate_members_land_bzip2_member_is_named(
    tmp_path: Path, lake_path: Path
) -> None:
    archive = _zip_three_methods(tmp_path)
    result = Lake(lake_path).ingest(archive, "three", rows=None)
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (100, 100, 0)
    assert _members(result.files) == {"a.csv": 40, "b.csv": 60, "c.csv": "method"}
    note = next(n for n in result.notes if n.code == "data.compression_unsupported")
    assert (note.evidence["method"], note.evidence["member"]) == ("bzip2", "c.csv")
    assert note.severity.label == "warn"  # generic: like a folder of mixed files
    for f in result.files:
        assert f["archive"] == str(archive) and f["file"] == f"{archive}!{f['member']}"


def test_under_aep_a_member_the_platform_cannot_read_is_a_failure(
    tmp_path: Path, lake_path: Path
) -> None:
    archive = _zip_three_methods(tmp_path)
    result = Lake(lake_path).ingest(archive, "three", rows=None, sampling=Sampling(target="aep"))
    assert result.rows_ingested == 100
    assert _codes(result)["data.compression_unsupported"] == "fail"


def test_lzma_member_written_by_zipfile_is_skipped_and_named(
    tmp_path: Path, lake_path: Path
) -> None:
    archive = tmp_path / "py.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.csv", good_csv(tmp_path / "ok.csv", 5).read_text(),
                    compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("x.csv", good_csv(tmp_path / "x.csv", 5).read_text(),
                    compress_type=zipfile.ZIP_LZMA)
    result = Lake(lake_path).ingest(archive, "py")
    assert _members(result.files) == {"ok.csv": 5, "x.csv": "method"}
    assert next(n for n in result.notes
                if n.code == "data.compression_unsupported").evidence["method"] == "lzma"


def test_tar_gz_skips_directory_symlink_fifo_and_other_schema(
    tmp_path: Path, lake_path: Path
) -> None:
    archive = _tar_with_odd_entries(tmp_path)
    result = Lake(lake_path).ingest(archive, "daily")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (30, 30, 0)
    assert _members(result.files) == {
        "a.csv": 10, "sub": "directory", "sub/b.csv": 20, "link.csv": "symlink",
        "pipe": "fifo", "notes.csv": "other_schema"}
    odd = next(n for n in result.notes if n.code == "data.archive_entry_skipped")
    assert sorted((e["member"], e["kind"]) for e in odd.evidence["entries"]) == [
        ("link.csv", "symlink"), ("pipe", "fifo")]
    assert _codes(result)["data.schema_mismatch"] == "warn"


def test_devices_and_hard_links_from_tarfile_are_skipped(tmp_path: Path, lake_path: Path) -> None:
    archive = tmp_path / "odd.tar"
    data = good_csv(tmp_path / "d.csv", 3).read_bytes()
    with tarfile.open(archive, "w") as tf:
        info = tarfile.TarInfo("d.csv")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        for name, kind in (("null", tarfile.CHRTYPE), ("disk", tarfile.BLKTYPE),
                           ("again.csv", tarfile.LNKTYPE)):
            special = tarfile.TarInfo(name)
            special.type = kind
            special.linkname = "d.csv" if kind == tarfile.LNKTYPE else ""
            tf.addfile(special)
    result = Lake(lake_path).ingest(archive, "odd")
    assert _members(result.files) == {"d.csv": 3, "null": "device", "disk": "device",
                                      "again.csv": "hardlink"}


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_a_traversal_name_is_never_written_and_is_named(
    tmp_path: Path, lake_path: Path, kind: str
) -> None:
    evil = "../../etc/passwd"
    body = b"id,user\n1,root:x:0:0\n"
    good = good_csv(tmp_path / "good.csv", 4).read_bytes()
    archive = tmp_path / f"evil.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("good.csv", good)
            zf.writestr(zipfile.ZipInfo(evil), body)
        assert zipfile.ZipFile(archive).namelist()[1] == evil
    else:
        with tarfile.open(archive, "w") as tf:
            for name, data in (("good.csv", good), (evil, body)):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    temp = tmp_path / "temp"
    temp.mkdir()
    run = _sd("ingest", str(archive), "--dataset", "evil", "--lake", str(lake_path),
              "--format", "json", cwd=work, env={**_ENV, "TMPDIR": str(temp)})
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["rows_ingested"] == 4
    assert _members(out["files"]) == {"good.csv": 4, evil: "unsafe_name"}
    assert [n["code"] for n in out["notes"]] == ["data.archive_unsafe_name"]
    # Nothing under the member's name, anywhere near the run; the temp folder is empty again.
    assert not (tmp_path / "etc").exists() and not (work.parent.parent / "etc").exists()
    assert not any(p.name == "passwd" for p in tmp_path.rglob("*"))
    assert list(temp.iterdir()) == []
    with duckdb.connect(str(lake_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM evil WHERE user LIKE 'root%'").fetchone() == (0,)


def test_rejects_and_the_invariant_hold_per_member(tmp_path: Path, lake_path: Path) -> None:
    src = tmp_path / "m"
    src.mkdir()
    _, total, bad = ragged_csv(src / "r.csv")
    good_csv(src / "s.csv", 7)
    archive = tmp_path / "m.tar"
    with tarfile.open(archive, "w") as tf:
        tf.add(src / "r.csv", "r.csv")
        tf.add(src / "s.csv", "s.csv")
    result = Lake(lake_path).ingest(archive, "m")
    per = {f["member"]: (f["rows_read"], f["rows_ingested"], f["rows_rejected"])
           for f in result.files}
    assert per == {"r.csv": (total, total - bad, bad), "s.csv": (7, 7, 0)}
    assert result.rows_read == result.rows_ingested + result.rows_rejected == total + 7
    rejects = Lake(lake_path).rejects(result.batch_id)
    assert {r["file"] for r in rejects} == {f"{archive}!r.csv"}
    assert len(rejects) == bad


def test_same_archive_adds_nothing_changed_member_is_a_new_batch(
    tmp_path: Path, lake_path: Path
) -> None:
    archive = _tar_with_odd_entries(tmp_path)
    lake = Lake(lake_path)
    first = lake.ingest(archive, "daily")
    again = lake.ingest(archive, "daily")
    assert again.skipped_duplicate and again.duplicate_of == first.batch_id
    assert again.rows_ingested == 0
    good_csv(tmp_path / "src" / "sub" / "b.csv", 21, start=10)  # one member changes
    subprocess.run(["tar", "-czf", str(archive), "a.csv", "sub", "notes.csv"],
                   cwd=tmp_path / "src", check=True)
    changed = lake.ingest(archive, "daily")
    assert not changed.skipped_duplicate and changed.rows_ingested == 31
    with duckdb.connect(str(lake_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM daily").fetchone() == (30 + 31,)


def test_row_cap_runs_across_members_and_stops_reading(tmp_path: Path, lake_path: Path) -> None:
    archive = _zip_three_methods(tmp_path)
    result = Lake(lake_path).ingest(archive, "capped", rows=50)
    assert result.rows_read == 50
    assert _members(result.files) == {"a.csv": 40, "b.csv": 10}
    assert [f["complete"] for f in result.files] == [True, False]


def test_lineage_columns_name_archive_and_member_and_survive_export(
    tmp_path: Path, lake_path: Path
) -> None:
    archive = _tar_with_odd_entries(tmp_path)
    good_csv(tmp_path / "plain.csv", 2, start=500)
    lake = Lake(lake_path)
    lake.ingest(archive, "daily")
    lake.ingest(tmp_path / "plain.csv", "daily")
    out = tmp_path / "daily.parquet"
    run = _sd("lake", "export", "daily", "--parquet", str(out), "--lake", str(lake_path))
    assert run.returncode == 0, run.stderr
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT _sd_archive, _sd_member, count(*) FROM read_parquet(?) "
            "GROUP BY ALL ORDER BY ALL NULLS LAST", [str(out)]).fetchall()
    assert rows == [(str(archive), "a.csv", 10), (str(archive), "sub/b.csv", 20), (None, None, 2)]


def test_a_decompression_bomb_member_is_skipped(tmp_path: Path, lake_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ok.csv", good_csv(tmp_path / "ok.csv", 3).read_bytes())
        zf.writestr("zeros.csv", b"a,b\n" + b"1,1\n" * (16 << 20))  # 64 MiB, ratio ~1000
    result = Lake(lake_path).ingest(archive, "bomb", rows=None)
    assert _members(result.files) == {"ok.csv": 3, "zeros.csv": "bomb"}
    bomb = next(n for n in result.notes if n.code == "data.compression_unsupported")
    assert bomb.evidence["problem"] == "bomb" and bomb.severity.label == "fail"


def test_tar_gz_bomb_stops_the_stream(tmp_path: Path, lake_path: Path) -> None:
    archive = tmp_path / "bomb.tgz"
    body = b"a,b\n" + b"1,1\n" * (16 << 20)
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("zeros.csv")
        info.size = len(body)
        tf.addfile(info, io.BytesIO(body))
    assert archive.stat().st_size < len(body) / 200
    with pytest.raises(DataRefused) as err:
        Lake(lake_path).ingest(archive, "bomb", rows=None)
    assert err.value.findings[0].evidence["problem"] == "bomb"


def test_more_entries_than_the_bound(
    tmp_path: Path, lake_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bound is MEMBER_CAP (1000); each member costs a preview sample, so the test lowers it.
    cap = 25
    monkeypatch.setattr(archives, "MEMBER_CAP", cap)
    archive = tmp_path / "many.tar"
    with tarfile.open(archive, "w") as tf:
        for i in range(cap + 5):
            data = b"id\n%d\n" % i
            info = tarfile.TarInfo(f"f{i:05d}.csv")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    result = Lake(lake_path).ingest(archive, "many", rows=None)
    assert result.rows_read == cap
    assert [n.code for n in result.notes] == ["data.archive_limit"]
    limit = result.notes[0]
    assert (limit.evidence["bound"], limit.evidence["cap"]) == ("entries", cap)


def test_more_decompressed_bytes_than_the_bound(
    tmp_path: Path, lake_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bound is ARCHIVE_OUTPUT_CAP (2 GiB); lowered so that the third member would pass it.
    members = [good_csv(tmp_path / f"p{i}.csv", 30, start=30 * i) for i in range(4)]
    size = members[0].stat().st_size
    monkeypatch.setattr(archives, "ARCHIVE_OUTPUT_CAP", 2 * size + size // 2)
    archive = tmp_path / "parts.tar.gz"
    subprocess.run(["tar", "-czf", str(archive), *(m.name for m in members)], cwd=tmp_path,
                   check=True)
    result = Lake(lake_path).ingest(archive, "parts", rows=None)
    assert _members(result.files) == {"p0.csv": 30, "p1.csv": 30}
    limit = next(n for n in result.notes if n.code == "data.archive_limit")
    assert (limit.evidence["bound"], limit.evidence["archive"]) == ("bytes", str(archive))


@pytest.mark.parametrize("target, severity", [("generic", "warn"), ("aep", "fail")])
def test_members_of_another_format_are_skipped_like_a_mixed_folder(
    tmp_path: Path, lake_path: Path, target: str, severity: str
) -> None:
    """A PNG, a UTF-16 CSV, an empty file and a nested zip next to the CSV members (and a
    symlink stored by ``zip -y``): each skipped and named with the preview's own code for it;
    the CSV members land."""
    _need("zip")
    folder = tmp_path / "mixed"
    folder.mkdir()
    good_csv(folder / "a.csv", 12)
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(600))
    (folder / "u16.csv").write_bytes("id,email,amount\n1,x@y,2\n".encode("utf-16"))
    (folder / "empty.csv").write_bytes(b"")
    good_csv(folder / "z.csv", 8, start=50)
    subprocess.run(["zip", "-q", "inner.zip", "a.csv"], cwd=folder, check=True)
    (folder / "link.csv").symlink_to("a.csv")
    archive = tmp_path / "mixed.zip"
    # -y stores the symlink as a link (st_mode in the entry), not the file it points to.
    subprocess.run(["zip", "-q", "-y", str(archive), "a.csv", "logo.png", "u16.csv", "empty.csv",
                    "inner.zip", "link.csv", "z.csv"], cwd=folder, check=True)
    result = Lake(lake_path).ingest(archive, "mixed", rows=None, sampling=Sampling(target=target))
    assert (result.rows_read, result.rows_ingested) == (20, 20)
    assert _members(result.files) == {"a.csv": 12, "logo.png": "other_format",
                                      "u16.csv": "other_format", "empty.csv": "other_format",
                                      "inner.zip": "other_format", "link.csv": "symlink",
                                      "z.csv": 8}
    named = {n.evidence.get("member"): (n.code, n.severity.label) for n in result.notes}
    assert named["logo.png"] == ("data.format_unknown", severity)
    assert named["u16.csv"] == ("data.encoding", severity)
    assert named["empty.csv"] == ("data.empty_file", severity)
    assert named["inner.zip"] == ("data.compression_unsupported", severity)  # no nesting
    with duckdb.connect(str(lake_path), read_only=True) as con:
        assert con.execute("SELECT DISTINCT _sd_member FROM mixed ORDER BY 1").fetchall() == [
            ("a.csv",), ("z.csv",)]


def test_damaged_or_empty_archive_is_refused(tmp_path: Path, lake_path: Path) -> None:
    archive = _tar_with_odd_entries(tmp_path)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(DataRefused) as err:
        Lake(lake_path).ingest(cut, "cut")
    assert err.value.findings[0].code == "data.compression_unsupported"
    only_dirs = tmp_path / "dirs.tar"
    with tarfile.open(only_dirs, "w") as tf:
        info = tarfile.TarInfo("empty/")
        info.type = tarfile.DIRTYPE
        tf.addfile(info)
    with pytest.raises(DataRefused) as err:
        Lake(lake_path).ingest(only_dirs, "dirs")
    assert err.value.findings[-1].code == "data.empty_file"
    assert Lake(lake_path).batches() == []


@pytest.mark.parametrize("wrapped", [True, False], ids=["zlib", "raw"])
def test_deflate_streams_land(tmp_path: Path, lake_path: Path, wrapped: bool) -> None:
    text = good_csv(tmp_path / "d.csv", 300).read_bytes()
    comp = zlib.compressobj(wbits=15 if wrapped else -15)
    path = tmp_path / ("d.csv.zz" if wrapped else "d.csv.deflate")
    path.write_bytes(comp.compress(text) + comp.flush())
    result = Lake(lake_path).ingest(path, "d", rows=None)
    assert (result.rows_read, result.rows_ingested) == (300, 300)
    assert result.files[0]["length"] == len(text)


def test_preview_knows_deflate_by_header_or_name_and_text_is_not_deflate() -> None:
    from sourcedoctor.preview import sample_bytes
    from sourcedoctor.targets import get_target

    text = b"id,v\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(50))
    raw = zlib.compressobj(wbits=-15)
    cases = {
        ("t.csv.zz", zlib.compress(text)): "deflate",
        ("t.csv.deflate", raw.compress(text) + raw.flush()): "deflate",
        ("x.csv", b"x^y,z\n1,2\n"): None,  # a valid-looking zlib header that is text
    }
    for (name, data), compression in cases.items():
        sample = sample_bytes(data, name=name, size=len(data), target=get_target("aep"))
        assert (sample.compression, sample.format) == (compression, "csv"), name
        assert not [f for f in sample.findings if f.code == "data.compression_unsupported"]


def test_cli_ingest_archive_and_lake_batches_show_members(tmp_path: Path, lake_path: Path) -> None:
    archive = _tar_with_odd_entries(tmp_path, "daily.tgz")
    run = _sd("ingest", str(archive), "--dataset", "daily", "--lake", str(lake_path))
    assert run.returncode == 0, run.stderr
    assert f"{archive}!pipe: skipped (fifo)" in run.stderr
    batches = json.loads(_sd("lake", "batches", "--lake", str(lake_path), "--format",
                             "json").stdout)
    assert _members(batches[0]["files"])["sub/b.csv"] == 20
    text = _sd("lake", "batches", "--lake", str(lake_path)).stdout
    assert "[skipped: fifo]" in text.replace("\n", "")  # the table may wrap the cell


@pytest.mark.parametrize(("target", "mark"), [("generic", "!"), ("aep", "✗")])
def test_cli_marks_a_skipped_member_by_the_targets_weight(
        tmp_path: Path, lake_path: Path, target: str, mark: str) -> None:
    """The text summary's marker follows the finding's severity: a member of another schema is
    a warning under generic and a failure under aep (as the JSON result says)."""
    archive = _tar_with_odd_entries(tmp_path, "daily.tgz")
    run = _sd("ingest", str(archive), "--dataset", "daily", "--lake", str(lake_path),
              "--target", target)
    assert run.returncode == 0, run.stderr
    assert f"  {mark} data.schema_mismatch: " in run.stderr


# --- over the real embedded SFTP server --------------------------------------------------------


def _settings(server: SftpServer) -> Any:
    return api.sftp_settings(server.url(), password=SFTP_PASSWORD,
                             host_key_fingerprint=server.fingerprint)


async def test_sftp_tar_gz_is_streamed_only_as_far_as_the_rows_need(
    sftp_server: SftpServer, lake_path: Path
) -> None:
    src = sftp_server.root / "src"
    src.mkdir()
    # Random values so the archive does not compress to nothing: ~8 MB of gzip.
    with (src / "big.csv").open("w") as fh:
        fh.write("id,token\n")
        for i in range(0, 400_000, 1000):
            fh.writelines(f"{i + j},{os.urandom(8).hex()}\n" for j in range(1000))
    archive = sftp_server.root / "inbound" / "big.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(src / "big.csv", "big.csv")
    async with api.open_sftp_source(_settings(sftp_server), timeout=10) as opened:
        counting = _CountingSource(opened.source)
        path = f"{opened.folder.rstrip('/')}/big.tar.gz"
        result = await ingest_from_source(Lake(lake_path), counting, [path], "big", rows=1000,
                                          source_label=sftp_server.url())
    assert (result.rows_read, result.rows_ingested) == (1000, 1000)
    assert result.files[0]["member"] == "big.csv"
    archive_label = result.files[0]["archive"]
    assert archive_label.startswith(sftp_server.url()) and archive_label.endswith("/big.tar.gz")
    assert counting.bytes_read < archive.stat().st_size / 3


async def test_sftp_zip_reads_ranges_from_the_central_directory(
    sftp_server: SftpServer, lake_path: Path
) -> None:
    folder = sftp_server.root / "z"
    folder.mkdir()
    archive = _zip_three_methods(folder)
    # A large stored member after the small ones: never read when the rows are found before it.
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("zz_big.csv", os.urandom(4 << 20).hex(), compress_type=zipfile.ZIP_STORED)
    shutil.move(archive, sftp_server.root / "inbound" / "three.zip")
    async with api.open_sftp_source(_settings(sftp_server), timeout=10) as opened:
        counting = _CountingSource(opened.source)
        path = f"{opened.folder.rstrip('/')}/three.zip"
        result = await ingest_from_source(Lake(lake_path), counting, [path], "three", rows=100,
                                          source_label=sftp_server.url())
    assert _members(result.files) == {"a.csv": 40, "b.csv": 60}
    size = (sftp_server.root / "inbound" / "three.zip").stat().st_size
    assert counting.bytes_read < size / 4


def test_cli_ingest_zip_over_sftp(sftp_server: SftpServer, lake_path: Path) -> None:
    archive = _zip_three_methods(sftp_server.root / "inbound")
    for name in ("a.csv", "b.csv", "c.csv"):
        (sftp_server.root / "inbound" / name).unlink()
    run = _sd("ingest", sftp_server.url(), "--dataset", "three", "--password-env", "LAKE_TEST_PW",
              "--host-key-fingerprint", sftp_server.fingerprint, "--lake", str(lake_path),
              "--format", "json", "--timeout", "10",
              env={**_ENV, "LAKE_TEST_PW": SFTP_PASSWORD})
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert _members(out["files"]) == {"a.csv": 40, "b.csv": 60, "c.csv": "method"}
    assert out["rows_read"] == out["rows_ingested"] + out["rows_rejected"] == 100
    assert archive.name in out["files"][0]["archive"]


async def test_tui_ingest_screen_lands_an_archive(tmp_path: Path, lake_path: Path) -> None:
    """The app's ingest screen calls the same engine (ingest_from_source) for an archive."""
    from sourcedoctor.preview import sample_file
    from sourcedoctor.sources.local import LocalSource
    from sourcedoctor.targets import get_target
    from sourcedoctor.tui.app import SourceDoctorApp
    from sourcedoctor.tui.profiles import ProfileStore
    from sourcedoctor.tui.screens.ingest import IngestScreen
    from tests.tui.conftest import wait_until

    archive = _tar_with_odd_entries(tmp_path)
    source = LocalSource(None)
    entry = await source.stat(str(archive))
    sample = await sample_file(source, entry, target=get_target("generic"))
    app = SourceDoctorApp(profiles=ProfileStore(tmp_path / "profiles.json"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = IngestScreen(source, entry, sample, None, lake_path=lake_path)
        await app.push_screen(screen)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: screen.result is not None, what="the ingest")
        result = screen.result
        assert result is not None
        assert (result.rows_ingested, result.rows_rejected) == (30, 0)
    batch = Lake(lake_path).batches()[0]
    assert _members(batch["files"])["pipe"] == "fifo"
