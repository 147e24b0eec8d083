"""Pretty-printed JSON objects one after another: split into records, bounded, rejects kept."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sourcedoctor.lake import Lake, Sampling
from sourcedoctor.lake.bounded import JsonValueCutter

from .conftest import SFTP_PASSWORD, SftpServer


def _pretty(path: Path, records: list[Any], tail: str = "") -> Path:
    path.write_text("".join(json.dumps(r, indent=2) + "\n" for r in records) + tail)
    return path


def _events(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "name": f"n{i}", "tags": ["a", "b"], "where": {"x": i}} for i in range(n)]


def test_generic_lands_every_object_as_a_record(tmp_path: Path, lake_path: Path) -> None:
    src = _pretty(tmp_path / "events.json", _events(7))
    result = Lake(lake_path).ingest(src, "events")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (7, 7, 0)
    assert result.files[0]["format"] == "json_multiline"
    assert not [n for n in result.notes if n.code == "data.json_multiline"]
    names, rows = Lake(lake_path).show("events", 10)
    assert names[:2] == ["id", "name"] and [r[0] for r in rows] == list(range(7))


def test_bad_values_become_rejects_with_their_record_number(
    tmp_path: Path, lake_path: Path
) -> None:
    src = _pretty(tmp_path / "e.json", _events(3),
                  tail='{\n  "id": oops\n}\n[1,\n 2]\n{\n  "id": 9\n}\n')
    result = Lake(lake_path).ingest(src, "e")
    assert (result.rows_read, result.rows_ingested, result.rows_rejected) == (6, 4, 2)
    rejects = Lake(lake_path).rejects(result.batch_id)
    assert [(r["record"], r["reason"]) for r in rejects] == [(4, "invalid_json"),
                                                             (5, "not_an_object")]


def test_row_cap_takes_whole_objects(tmp_path: Path, lake_path: Path) -> None:
    src = _pretty(tmp_path / "big.json", _events(500))
    result = Lake(lake_path).ingest(src, "big", rows=20)
    assert (result.rows_read, result.rows_ingested) == (20, 20)
    assert result.files[0]["complete"] is False


def test_aep_keeps_the_finding_and_still_ingests(tmp_path: Path, lake_path: Path) -> None:
    src = _pretty(tmp_path / "events.json", _events(4))
    result = Lake(lake_path).ingest(src, "events", sampling=Sampling(target="aep"))
    assert result.rows_ingested == 4
    note = next(n for n in result.notes if n.code == "data.json_multiline")
    assert note.severity.label == "fail"
    batch = Lake(lake_path).batches()[0]
    assert "data.json_multiline" in batch["files"][0]["notes"]


def test_multiline_json_inside_a_tar_gz(tmp_path: Path, lake_path: Path) -> None:
    src = _pretty(tmp_path / "events.json", _events(12))
    archive = tmp_path / "events.tgz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(src, "day1/events.json")
    result = Lake(lake_path).ingest(archive, "events")
    assert (result.files[0]["member"], result.rows_ingested) == ("day1/events.json", 12)


def test_cli_ingest_aep_prints_the_note_and_exits_0(tmp_path: Path, lake_path: Path) -> None:
    src = _pretty(tmp_path / "events.json", _events(3))
    run = subprocess.run(
        ["sourcedoctor", "ingest", str(src), "--dataset", "events", "--lake", str(lake_path),
         "--target", "aep", "--format", "json"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["rows_ingested"] == 3
    assert "data.json_multiline" in [n["code"] for n in out["notes"]]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.dictionaries(st.text(max_size=6), _json, max_size=4), max_size=6),
       step=st.integers(min_value=1, max_value=40), indent=st.sampled_from([None, 1, 4]))
def test_cutter_gives_back_each_value_on_one_line(
    values: list[dict[str, Any]], step: int, indent: int | None
) -> None:
    text = "\n".join(json.dumps(v, indent=indent) for v in values).encode()
    cutter = JsonValueCutter()
    out = b"".join(cutter.feed(text[i:i + step]) for i in range(0, len(text), step))
    out += cutter.finish()
    lines = out.decode().splitlines()
    assert [json.loads(line) for line in lines] == values
    assert cutter.records == len(values) and not cutter.truncated


async def test_over_sftp_only_the_capped_objects_are_copied(
    sftp_server: SftpServer, lake_path: Path
) -> None:
    from sourcedoctor import api
    from sourcedoctor.lake import ingest_from_source

    src = _pretty(sftp_server.root / "inbound" / "events.json", _events(20_000))
    settings = api.sftp_settings(sftp_server.url(), password=SFTP_PASSWORD,
                                 host_key_fingerprint=sftp_server.fingerprint)
    async with api.open_sftp_source(settings, timeout=10) as opened:
        path = f"{opened.folder.rstrip('/')}/events.json"
        result = await ingest_from_source(Lake(lake_path), opened.source, [path], "events",
                                          rows=50)
    assert (result.rows_read, result.rows_ingested) == (50, 50)
    assert not result.files[0]["complete"] and result.files[0]["length"] < src.stat().st_size


def test_cutter_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from sourcedoctor.lake import bounded

    cutter = JsonValueCutter()
    for _ in range(64):  # whitespace between values is never kept
        cutter.feed(b" \n" * 4096)
    assert len(cutter._buf) == 0
    monkeypatch.setattr(bounded, "JSON_VALUE_CAP", 1000)
    cutter = JsonValueCutter()
    out = cutter.feed(b'{"a": 1}\n{"big": "' + b"x" * 5000)
    assert out == b'{"a": 1}\n' and cutter.done and cutter.truncated
    assert cutter.records == 1 and len(cutter._buf) == 0
