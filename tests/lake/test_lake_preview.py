"""Ingest plans from the preview's sample: the same dialect and types, and clear refusals."""

from __future__ import annotations

import json
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sourcedoctor.lake import DataRefused, Lake, normalise_name
from sourcedoctor.lake.sampling import DEFAULT_HEAD
from sourcedoctor.preview.sample import DEFAULT_HEAD as PREVIEW_HEAD

from .data import table_columns, typed_csv

_ENV = {**os.environ, "COLUMNS": "200"}


def _sd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sourcedoctor", *args], capture_output=True, text=True, env=_ENV, timeout=120
    )


def test_lake_samples_as_much_as_the_preview() -> None:
    assert DEFAULT_HEAD == PREVIEW_HEAD


@pytest.mark.parametrize("encoding", ["utf-8", "iso-8859-1"])
def test_dataset_schema_is_what_preview_reports(
    tmp_path: Path, lake_path: Path, encoding: str
) -> None:
    src = typed_csv(tmp_path / "kunden.csv", encoding)
    preview = _sd("preview", str(src), "--format", "json")
    assert preview.returncode == 0, preview.stderr
    sample = json.loads(preview.stdout)["samples"][0]
    run = _sd("ingest", str(src), "--dataset", "kunden", "--lake", str(lake_path), "--format",
              "json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    # Every record lands: a Latin-1 file is read as Latin-1, as the preview decoded it.
    assert (out["rows_read"], out["rows_ingested"], out["rows_rejected"]) == (50, 50, 0)
    expected = [(normalise_name(c["name"]), c["type"]) for c in sample["columns"]]
    assert table_columns(lake_path, "kunden") == [*expected, ("_sd_batch", "INTEGER")]
    assert sample["dialect"]["delimiter"] == ";"
    assert sample["encoding"] == encoding
    names = Lake(lake_path).show("kunden", 1)
    assert names[1][0][1] == "Müller-0"


def test_utf16_file_is_refused_with_the_preview_code(tmp_path: Path, lake_path: Path) -> None:
    src = tmp_path / "export.csv"
    src.write_bytes("id,name\n1,Zoë\n2,Ana\n".encode("utf-16"))
    run = _sd("ingest", str(src), "--dataset", "x", "--lake", str(lake_path), "--format", "json")
    assert run.returncode == 1
    assert run.stderr.startswith("error: file:")
    assert "Traceback" not in run.stderr
    refused = json.loads(run.stdout)
    assert [f["code"] for f in refused["findings"]] == ["data.encoding"]
    assert refused["findings"][0]["evidence"]["encoding"].startswith("utf-16")
    assert any("iconv" in step for step in refused["findings"][0]["fix"])
    assert Lake(lake_path).batches() == [] and Lake(lake_path).datasets() == []


def test_empty_file_is_refused(tmp_path: Path, lake_path: Path) -> None:
    src = tmp_path / "empty.csv"
    src.write_bytes(b"")
    run = _sd("ingest", str(src), "--dataset", "x", "--lake", str(lake_path), "--format", "json")
    assert run.returncode == 1 and run.stderr.startswith("error: file:")
    assert [f["code"] for f in json.loads(run.stdout)["findings"]] == ["data.empty_file"]
    assert Lake(lake_path).batches() == []


def _xz(path: Path) -> Path:
    # zip and tar are ingested member by member (tests/lake/test_archives.py); xz is not read.
    path.write_bytes(lzma.compress(b"id,x\n1,2\n"))
    return path


def _binary(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 8)
    return path


def _cp1252(path: Path) -> Path:
    path.write_bytes("id,price\n1,5 €\n2,7 €\n".encode("cp1252"))
    return path


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (_xz, "data.compression_unsupported"),
        (_binary, "data.format_unknown"),
        (_cp1252, "data.encoding"),
    ],
)
def test_unreadable_files_raise_data_refused(
    tmp_path: Path, lake_path: Path, make: object, code: str
) -> None:
    good = tmp_path / "a_good.csv"
    good.write_text("id,x\n1,2\n")
    bad = make(tmp_path / "b_bad.dat")  # type: ignore[operator]
    with pytest.raises(DataRefused) as err:
        Lake(lake_path).ingest([good, bad], "mixed")
    assert err.value.findings[0].code == code
    assert err.value.field == "file"
    # The good file sampled before the bad one was not stored either: one batch, or nothing.
    assert Lake(lake_path).batches() == []


def test_ragged_rows_are_a_note_not_a_refusal(tmp_path: Path, lake_path: Path) -> None:
    src = tmp_path / "r.csv"
    src.write_text("id,name\n1,a\n2,b,extra\n3,c\n")
    result = Lake(lake_path).ingest(src, "r")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (3, 2, 1)
    assert [n.code for n in result.notes] == ["data.csv_ragged"]


def test_local_ingest_does_not_import_the_ssh_stack(tmp_path: Path, lake_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text("id,x\n1,2\n")
    code = (
        "import sys\n"
        "from sourcedoctor.cli import main\n"
        "try:\n"
        f"    main(['ingest', {str(src)!r}, '--dataset', 'a', '--lake', {str(lake_path)!r}])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "print(sorted(m for m in ('asyncssh', 'paramiko', 'sourcedoctor.api', 'textual')"
        " if m in sys.modules))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_ENV
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
    assert Lake(lake_path).datasets()[0]["rows"] == 1
