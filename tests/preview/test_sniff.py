"""Each sniffing rule on a real file, read through LocalSource and over a real SFTP server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sourcedoctor.preview import sample_file
from sourcedoctor.preview.model import SampleResult
from sourcedoctor.sources.base import FileSource
from sourcedoctor.targets import AEP, GENERIC, TargetProfile

from . import files

Maker = Callable[[], bytes]

CASES: list[tuple[str, str, Maker, TargetProfile, str, set[str]]] = [
    # (id, file name, content, target, expected format, expected codes)
    ("csv_ok", "ok.csv", lambda: files.CSV.encode(), AEP, "csv", set()),
    ("csv_gzip", "ok.csv.gz", lambda: files.gz(files.CSV), AEP, "csv", set()),
    ("csv_bzip2", "ok.csv.bz2", lambda: files.bz(files.CSV), AEP, "csv", set()),
    ("csv_zip", "ok.zip", lambda: files.zipped({"a.csv": files.CSV, "b.csv": files.CSV}), AEP,
     "csv", set()),
    ("csv_tar", "ok.tar", lambda: files.tarred({"a.csv": files.CSV}), AEP, "csv", set()),
    ("csv_tar_gz", "ok.tar.gz", lambda: files.tarred({"a.csv": files.CSV}, "w:gz"), AEP, "csv",
     set()),
    ("csv_tar_bz2_aep", "ok.tar.bz2", lambda: files.tarred({"a.csv": files.CSV}, "w:bz2"), AEP,
     "csv", {"data.compression_unsupported"}),
    ("ragged", "ragged.csv", lambda: b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n7,8,9\n", GENERIC, "csv",
     {"data.csv_ragged"}),
    ("no_header", "nohdr.csv", lambda: b"1,2,3\n4,5,6\n7,8,9\n", GENERIC, "csv",
     {"data.header_missing"}),
    ("dup_header", "dup.csv", lambda: b"a,a,b\nx,1,2\ny,3,4\n", GENERIC, "csv",
     {"data.header_missing"}),
    ("multichar_aep", "m.txt", lambda: b"a||b||c\nx||2||3\ny||5||6\n", AEP, "csv",
     {"data.delimiter_multichar"}),
    ("multichar_generic", "m.txt", lambda: b"a||b||c\nx||2||3\ny||5||6\n", GENERIC, "csv", set()),
    ("utf16_aep", "u16.csv", lambda: "a,b\nx,é\n".encode("utf-16"), AEP, "csv",
     {"data.encoding"}),
    ("utf16_generic", "u16.csv", lambda: "a,b\nx,é\n".encode("utf-16"), GENERIC, "csv", set()),
    ("latin1_aep_ok", "l1.csv", lambda: "name,city\nJosé,Zürich\nFrançois,Besançon\n".encode(
        "latin-1"), AEP, "csv", set()),
    ("utf8_bom", "bom.csv", lambda: b"\xef\xbb\xbfa,b\n1,2\n", AEP, "csv", set()),
    ("undecodable", "bad.jsonl", lambda: b'{"a": "\xff\xfe\xfd\xfc ok"}\n' * 3
     + "{\"b\": \"\u6f22\u5b57\"}\n".encode(), AEP, "json_lines", {"data.encoding"}),
    ("jsonl", "ok.jsonl", lambda: files.json_lines().encode(), AEP, "json_lines", set()),
    ("jsonl_gzip", "ok.jsonl.gz", lambda: files.gz(files.json_lines()), AEP, "json_lines", set()),
    ("json_array_aep", "arr.json", lambda: json.dumps([{"a": 1}, {"a": 2}]).encode(), AEP,
     "json_array", {"data.json_multiline"}),
    ("json_array_generic", "arr.json", lambda: json.dumps([{"a": 1}, {"a": 2}]).encode(), GENERIC,
     "json_array", set()),
    ("json_pretty_aep", "p.json", lambda: json.dumps({"a": 1, "b": [1, 2]}, indent=2).encode() * 2,
     AEP, "json_multiline", {"data.json_multiline"}),
    ("json_invalid_line", "bad.jsonl", lambda: b'{"a": 1}\n{"a": 2,}\n{"a": 3}\n', GENERIC,
     "json_lines", {"data.json_invalid"}),
    ("json_invalid_array", "bad.json", lambda: b'[{"a": 1},\n {"a": tru}]', GENERIC, "json_array",
     {"data.json_invalid"}),
    ("empty", "empty.csv", lambda: b"", AEP, "empty", {"data.empty_file"}),
    ("xz", "d.csv.xz", lambda: b"\xfd7zXZ\x00\x00\x04" + b"\x00" * 64, AEP, "unknown",
     {"data.compression_unsupported"}),
    ("zstd", "d.csv.zst", lambda: b"\x28\xb5\x2f\xfd" + b"\x00" * 64, GENERIC, "unknown",
     {"data.compression_unsupported"}),
    ("pdf", "r.pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", GENERIC,
     "unknown", {"data.format_unknown"}),
    ("html", "page.csv", lambda: b"<!DOCTYPE html>\n<html><body>Login</body></html>\n", GENERIC,
     "unknown", {"data.format_unknown"}),
    ("pgp", "d.csv.asc", lambda: b"-----BEGIN PGP MESSAGE-----\n\nhQEMA...\n", GENERIC, "unknown",
     {"data.format_unknown"}),
    ("elf", "tool", lambda: Path("/bin/true").read_bytes()[:4096], GENERIC, "unknown",
     {"data.format_unknown"}),
    ("png", "img.csv", lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, GENERIC, "unknown",
     {"data.format_unknown"}),
]


def _codes(result: SampleResult) -> set[str]:
    return {f.code for f in result.findings}


@pytest.mark.parametrize(("name", "make", "target", "fmt", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_sniff_real_file(source: FileSource, data_dir: Path, name: str, make: Maker,
                               target: TargetProfile, fmt: str, expected: set[str]) -> None:
    files.write(data_dir, name, make())
    entry = await source.stat(name)
    result = await sample_file(source, entry, target=target, timeout=20)
    assert _codes(result) == expected, [f.to_dict() for f in result.findings]
    assert result.format == fmt


async def test_csv_details(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "ok.csv", files.CSV.replace("\n", "\r\n"))
    result = await sample_file(source, await source.stat("ok.csv"), target=AEP, rows=5)
    assert result.dialect is not None and result.dialect.delimiter == ","
    assert result.dialect.header
    assert result.line_ending == "crlf"
    assert [c.name for c in result.columns] == ["id", "name", "amount", "day"]
    assert [c.type for c in result.columns] == ["BIGINT", "VARCHAR", "DOUBLE", "DATE"]
    assert result.columns[0].examples == ("1", "2", "3")
    assert len(result.rows) == 5 and result.rows[0] == {"id": 1, "name": "name1", "amount": 1.25,
                                                        "day": "2024-01-02"}
    assert result.facts["rows_in_sample"] == 200
    assert 0 < result.confidence["format"] <= 1 and "header" in result.confidence


async def test_ragged_evidence(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "r.csv", b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n7,8,9\n")
    result = await sample_file(source, await source.stat("r.csv"), target=GENERIC)
    (finding,) = [f for f in result.findings if f.code == "data.csv_ragged"]
    assert finding.evidence["bad_rows"] == [{"line": 3, "fields": 2, "expected": 3},
                                            {"line": 4, "fields": 4, "expected": 3}]
    assert [p.line for p in result.problems] == [3, 4]
    assert result.rows == ({"a": 1, "b": 2, "c": 3}, {"a": 7, "b": 8, "c": 9})


async def test_json_invalid_position(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "bad.jsonl", b'{"a": 1}\n{"a": 2}\n{"a": 3,, "b": 4}\n')
    result = await sample_file(source, await source.stat("bad.jsonl"), target=GENERIC)
    (finding,) = result.findings
    assert (finding.evidence["line"], finding.evidence["column"]) == (3, 9)
    assert [p.line for p in result.problems] == [3]


async def test_encoding_fix_names_file(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "u16.csv", "a,b\n1,2\n".encode("utf-16"))
    result = await sample_file(source, await source.stat("u16.csv"), target=AEP)
    (finding,) = result.findings
    assert result.encoding == "utf-16-le" and result.bom
    assert finding.fix == ("Convert it: iconv -f UTF-16LE -t UTF-8 u16.csv > u16.csv.utf8",)
    assert result.rows == ({"a": 1, "b": 2},)


async def test_zip_lists_other_members(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "many.zip", files.zipped(
        {"first.csv": files.CSV, "second.csv": "x\n1\n", "third.csv": "y\n2\n"}))
    result = await sample_file(source, await source.stat("many.zip"), target=AEP)
    assert result.compression == "zip" and result.facts["member"] == "first.csv"
    assert result.members == ("second.csv", "third.csv")
    assert result.facts["member_count"] == 3
    assert len(result.rows) == 100


async def test_jq_fix_for_array(source: FileSource, data_dir: Path) -> None:
    files.write(data_dir, "arr.json", json.dumps([{"a": 1}, {"a": 2}], indent=1))
    result = await sample_file(source, await source.stat("arr.json"), target=AEP)
    (finding,) = result.findings
    assert finding.fix == ("Convert it: jq -c '.[]' arr.json > arr.json.jsonl",)
    assert result.rows == ({"a": 1}, {"a": 2})
    assert [(c.name, c.type) for c in result.columns] == [("a", "BIGINT")]
