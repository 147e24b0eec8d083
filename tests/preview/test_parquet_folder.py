"""Parquet by footer + first row group; naming rules; folder consistency; folder preview."""

from __future__ import annotations

from pathlib import Path

from sourcedoctor.preview import folder_consistency, naming_findings, preview_path, sample_file
from sourcedoctor.sources.base import FileEntry, FileSource
from sourcedoctor.sources.local import LocalSource
from sourcedoctor.targets import AEP, GENERIC

from . import files


async def test_parquet_reads_footer_and_first_group_only(source: FileSource,
                                                         data_dir: Path) -> None:
    files.parquet(data_dir / "big.parquet", 2_000_000, row_group=100_000)
    entry = await source.stat("big.parquet")
    result = await sample_file(source, entry, target=AEP, head_bytes=64 * 1024, rows=10)
    assert result.findings == ()
    assert result.format == "parquet"
    assert [(c.name, c.type) for c in result.columns] == [
        ("id", "BIGINT"), ("name", "VARCHAR"), ("score", "DECIMAL(21,1)")]
    assert result.rows[0] == {"id": 0, "name": "name0", "score": "0.0"}
    assert len(result.rows) == 10
    assert result.facts["row_groups"] == 20 and result.facts["total_rows"] == 2_000_000
    assert entry.size is not None and result.bytes_read < entry.size / 5


async def test_parquet_cut_short(source: FileSource, data_dir: Path) -> None:
    files.parquet(data_dir / "p.parquet", 10_000)
    data = (data_dir / "p.parquet").read_bytes()
    (data_dir / "p.parquet").write_bytes(data[: len(data) // 2])
    result = await sample_file(source, await source.stat("p.parquet"), target=AEP)
    assert [f.code for f in result.findings] == ["data.format_unknown"]


def _entry(path: str) -> FileEntry:
    return FileEntry(path=path, name=path.rsplit("/", 1)[-1], size=1, mtime=None, kind="file")


def test_naming_rules() -> None:
    entries = [_entry(p) for p in ("ok.csv", "in/ok_2.csv", 'bad"q.csv', "a:b.csv", "CON",
                                   "nul.txt", "x" * 256, "tab\there.csv", "price(1).csv",
                                   "50%.csv")]
    hard, soft = naming_findings(entries, AEP)
    assert hard.code == soft.code == "path.naming_violation"
    assert hard.evidence["count"] == 6
    assert [n["path"] for n in hard.evidence["names"]][:2] == ['bad"q.csv', "a:b.csv"]
    assert soft.evidence["names"] == ["price(1).csv", "50%.csv"]
    assert naming_findings(entries, GENERIC) == []


def test_naming_evidence_is_bounded() -> None:
    entries = [_entry(f"bad|{i}.csv") for i in range(500)]
    (finding,) = naming_findings(entries, AEP)
    assert finding.evidence["count"] == 500 and len(finding.evidence["names"]) == 20


async def test_folder_consistency(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "a.csv", "id,name\n1,x\n")
    files.write(data_dir, "b.csv", "id,name\n2,y\n")
    files.write(data_dir, "c.csv", "id,label,extra\n3,z,q\n")
    files.write(data_dir, "d.jsonl", '{"id": 1}\n')
    result = await preview_path(source, "", target=AEP, sample_files=10)
    assert [f.code for f in result.findings] == ["data.schema_mismatch"]
    differing = result.findings[0].evidence["differing"]
    assert [d["file"].rsplit("/", 1)[-1] for d in differing] == ["c.csv", "d.jsonl"]
    assert differing[0]["missing_columns"] == ["name"]
    assert differing[0]["extra_columns"] == ["label", "extra"]
    assert differing[1]["format"] == ["csv", "json_lines"]
    assert folder_consistency(result.samples[:2], AEP) == []


async def test_folder_preview_order_cap_and_file(source: FileSource, data_dir: Path) -> None:
    for i in range(12):
        files.write(data_dir, f"f{i:02d}.csv", files.CSV)
    (data_dir / "sub").mkdir()
    files.write(data_dir / "sub", "deep.csv", files.CSV)
    result = await preview_path(source, "", target=AEP, rows=3)
    assert len(result.entries) == 13 and result.left_out == 0
    assert [s.path.rsplit("/", 1)[-1] for s in result.samples] == ["f00.csv", "f01.csv",
                                                                   "f02.csv"]
    assert all(len(s.rows) == 3 for s in result.samples)
    one = await preview_path(source, "", target=AEP, file="f07.csv")
    assert [s.path.rsplit("/", 1)[-1] for s in one.samples] == ["f07.csv"]
    deep = await preview_path(source, "", target=AEP, depth=1, glob="deep*")
    assert [s.path for s in deep.samples] == ["sub/deep.csv"]


async def test_capped_listing_keeps_platform_order(data_dir: Path) -> None:
    for i in range(12):
        files.write(data_dir, f"f{i:02d}.csv", files.CSV)
    result = await preview_path(LocalSource(data_dir), "", target=AEP, max_entries=5, rows=3)
    assert [e.name for e in result.entries] == [f"f{i:02d}.csv" for i in range(5)]
    assert result.left_out == 7
    assert [s.path for s in result.samples] == ["f00.csv", "f01.csv", "f02.csv"]


async def test_capped_sftp_listing_keeps_platform_order(sftp_source: FileSource,
                                                        data_dir: Path) -> None:
    for i in range(12):
        files.write(data_dir, f"f{i:02d}.csv", files.CSV)
    result = await preview_path(sftp_source, "", target=AEP, max_entries=5, rows=3)
    assert [e.name for e in result.entries] == [f"f{i:02d}.csv" for i in range(5)]


async def test_empty_and_missing_folder(source: FileSource, data_dir: Path) -> None:
    (data_dir / "none").mkdir()
    empty = await preview_path(source, "none", target=AEP)
    assert [f.code for f in empty.findings] == ["path.empty"]
    missing = await preview_path(source, "nope", target=AEP)
    assert [f.code for f in missing.findings] == ["path.not_found"]


async def test_naming_in_folder_preview(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "bad|name.csv", files.CSV)
    result = await preview_path(source, "", target=AEP)
    assert [f.code for f in result.findings] == ["path.naming_violation"]
