"""Real test files, written to disk by the tests (no checked-in fixtures)."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import tarfile
import zipfile
import zlib
from pathlib import Path

import duckdb

CSV = "id,name,amount,day\n" + "".join(
    f"{i},name{i},{i * 1.25},2024-01-{i % 28 + 1:02d}\n" for i in range(1, 201))


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def gz(data: str | bytes) -> bytes:
    return gzip.compress(data.encode() if isinstance(data, str) else data)


def bz(data: str) -> bytes:
    return bz2.compress(data.encode())


def zipped(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return buf.getvalue()


def tarred(members: dict[str, str], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bomb(expanded: int = 400 << 20) -> bytes:
    """A zip whose one member inflates from ~0.4 MB to ``expanded`` bytes of zeros."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\0" * (1 << 20)
    body = b"".join(comp.compress(chunk) for _ in range(expanded // len(chunk))) + comp.flush()
    crc = 0
    for _ in range(expanded // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    name = b"data.csv"
    local = (b"PK\x03\x04" + (20).to_bytes(2, "little") + b"\0\0" + (8).to_bytes(2, "little")
             + b"\0\0\0\0" + crc.to_bytes(4, "little") + len(body).to_bytes(4, "little")
             + expanded.to_bytes(4, "little") + len(name).to_bytes(2, "little") + b"\0\0" + name)
    central = (b"PK\x01\x02" + (20).to_bytes(2, "little") + (20).to_bytes(2, "little") + b"\0\0"
               + (8).to_bytes(2, "little") + b"\0\0\0\0" + crc.to_bytes(4, "little")
               + len(body).to_bytes(4, "little") + expanded.to_bytes(4, "little")
               + len(name).to_bytes(2, "little") + b"\0" * 12 + (0).to_bytes(4, "little") + name)
    cd_offset = len(local) + len(body)
    eocd = (b"PK\x05\x06" + b"\0" * 4 + (1).to_bytes(2, "little") * 2
            + len(central).to_bytes(4, "little") + cd_offset.to_bytes(4, "little") + b"\0\0")
    return local + body + central + eocd


def parquet(path: Path, rows: int, row_group: int = 100_000) -> Path:
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT i AS id, 'name' || i AS name, i * 0.5 AS score FROM range({rows}) t(i)) "
        f"TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE {row_group})")
    con.close()
    return path


def json_lines(n: int = 50) -> str:
    return "".join(json.dumps({"id": i, "tags": ["a", "b"], "ok": i % 2 == 0}) + "\n"
                   for i in range(n))
