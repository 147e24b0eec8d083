"""Parquet: the footer by a range read at the end, then only the first row group's column chunks.

DuckDB reads Parquet from a file, so we give it a *sparse* temporary file of the real size holding
only the bytes we fetched (footer + first row group). The holes cost no disk and are never read:
the metadata query touches the footer only, the row query touches row group 0 only (one thread,
LIMIT within the group).
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from ..duckdb_connect import connect_duckdb
from .model import Column
from .records import columns_from_records, jsonable

#: Largest footer we fetch; real footers are kilobytes, a huge one means a broken file.
FOOTER_CAP = 16 * 1024 * 1024
#: Largest first row group we fetch for the row sample; beyond it only the schema is shown.
ROW_GROUP_CAP = 48 * 1024 * 1024

Fetch = Callable[[int, int], bytes]


@dataclass
class ParquetSample:
    """Schema and first rows of a Parquet file, or ``problem`` saying why not."""

    columns: tuple[Column, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    problem: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    bytes_read: int = 0


def read_parquet(head: bytes, size: int, fetch: Fetch | None, *, rows: int) -> ParquetSample:
    """Sample a Parquet file of ``size`` bytes whose first bytes are ``head``.

    ``fetch(offset, length)`` reads more of the file; without it only a file that fits in ``head``
    can be read.
    """
    out = ParquetSample()
    pieces: dict[int, bytes] = {0: head}

    def get(offset: int, length: int) -> bytes:
        if offset + length <= len(head):
            return head[offset:offset + length]
        if fetch is None:
            raise _Missing()
        data = fetch(offset, length)
        out.bytes_read += len(data)
        pieces[offset] = data
        return data

    try:
        if size < 12:
            out.problem = "file too short to be Parquet"
            return out
        trailer = get(size - 8, 8)
        if len(trailer) < 8 or trailer[4:] != b"PAR1":
            out.problem = "no Parquet footer at the end of the file (file cut short?)"
            return out
        flen = struct.unpack("<I", trailer[:4])[0]
        if flen + 12 > size or flen > FOOTER_CAP:
            out.problem = f"footer length {flen} is impossible for a {size}-byte file"
            return out
        get(size - 8 - flen, flen)
        with tempfile.TemporaryDirectory(prefix="sourcedoctor-") as tmp:
            path = os.path.join(tmp, "sample.parquet")
            _write_sparse(path, size, pieces)
            con = connect_duckdb(config={"threads": 1, "memory_limit": "256MB"})
            try:
                span, rg_rows, n_groups, total_rows = _first_group(con, path)
                out.facts.update({"row_groups": n_groups, "total_rows": total_rows,
                                  "first_row_group_rows": rg_rows})
                types = _types(con, path)
                if span[1] - span[0] > ROW_GROUP_CAP:
                    out.facts["rows_skipped"] = "first row group larger than the sample cap"
                    out.columns = columns_from_records([], types)
                    return out
                if span[1] > len(head):
                    get(span[0], span[1] - span[0])
                    _write_sparse(path, size, pieces)
                limit = max(0, min(rows, rg_rows))
                rel = con.execute(f"SELECT * FROM read_parquet('{path}') LIMIT {limit}")
                names = [d[0] for d in rel.description]
                records = [dict(zip(names, (jsonable(v) for v in r), strict=True))
                           for r in rel.fetchall()]
                out.rows = tuple(records)
                out.columns = columns_from_records(records, types)
            finally:
                con.close()
    except _Missing:
        out.problem = "the footer is beyond the bytes read"
    except duckdb.Error as exc:
        out.problem = f"unreadable Parquet: {str(exc).splitlines()[0][:200]}"
    return out


class _Missing(Exception):
    """More bytes are needed than the caller can fetch."""


def _write_sparse(path: str, size: int, pieces: dict[int, bytes]) -> None:
    with open(path, "wb") as fh:
        fh.truncate(size)
        for offset, data in pieces.items():
            fh.seek(offset)
            fh.write(data)


def _first_group(con: duckdb.DuckDBPyConnection,
                 path: str) -> tuple[tuple[int, int], int, int, int]:
    """Byte span of row group 0, its rows, the number of groups and the total rows."""
    row = con.execute(
        "SELECT min(least(coalesce(dictionary_page_offset, data_page_offset), data_page_offset)), "
        "max(coalesce(dictionary_page_offset, data_page_offset) + total_compressed_size), "
        "any_value(row_group_num_rows) "
        f"FROM parquet_metadata('{path}') WHERE row_group_id = 0").fetchone()
    groups = con.execute(
        "SELECT count(DISTINCT row_group_id), "
        "coalesce(sum(row_group_num_rows) FILTER (WHERE column_id = 0), 0) "
        f"FROM parquet_metadata('{path}')").fetchone()
    if row is None or row[0] is None or groups is None:
        return (0, 0), 0, 0, 0
    return (int(row[0]), int(row[1])), int(row[2]), int(groups[0]), int(groups[1])


def _types(con: duckdb.DuckDBPyConnection, path: str) -> dict[str, str]:
    rel = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')")
    return {str(r[0]): str(r[1]) for r in rel.fetchall()}
