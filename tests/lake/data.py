"""Test data with known contents: every file says how many records it has and how many are bad."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb


def good_csv(path: Path, n: int, *, start: int = 0) -> Path:
    lines = ["id,email,amount"] + [
        f"{i},u{i}@example.com,{i * 1.5}" for i in range(start, start + n)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def ragged_csv(path: Path) -> tuple[Path, int, int]:
    """20 records: 3 with too many fields, 2 with too few, 1 quoted multi-line record (good)."""
    rows = [f"{i},u{i}@example.com,{i}.25" for i in range(20)]
    rows[3] += ",extra"
    rows[7] += ",x,y"
    rows[11] = "11,short"
    rows[15] = "15"
    rows[17] = '17,"multi\nline@example.com",17.25'
    rows[18] += ",z"
    path.write_text("id,email,amount\n" + "\n".join(rows) + "\n\n")
    return path, 20, 5


def cast_csv(path: Path) -> tuple[Path, int, int]:
    """12 records whose ``amount`` and ``signup`` are text; 3 do not cast (to DOUBLE / DATE)."""
    rows = [f"{i},u{i}@example.com,{i}.5,2024-01-{i + 1:02d}" for i in range(12)]
    rows[2] = "2,u2@example.com,two,2024-01-03"
    rows[5] = "5,u5@example.com,5.5,yesterday"
    rows[9] = "9,u9@example.com,n/a,not-a-date"
    path.write_text("Id,E-Mail,Amount,Signup Date\n" + "\n".join(rows) + "\n")
    return path, 12, 3


def bad_jsonl(path: Path) -> tuple[Path, int, int]:
    """9 records: 2 invalid JSON, 1 an array, not an object; blank lines are not records."""
    recs = [json.dumps({"id": i, "name": f"n{i}", "tags": ["a"]}) for i in range(6)]
    lines = [
        recs[0],
        recs[1],
        "{not json",
        recs[2],
        "",
        "[1, 2]",
        recs[3],
        '{"id": 9,',
        recs[4],
        recs[5],
        "",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path, 9, 3


def typed_csv(path: Path, encoding: str = "utf-8") -> Path:
    """Semicolon-separated, accented header and values, several sniffed types."""
    rows = [
        f"{i};Müller-{i};{i * 2.5};2024-01-{i % 28 + 1:02d};{'true' if i % 2 else 'false'}"
        for i in range(50)
    ]
    text = "Kunden Nr;Name;Betrag (€);Datum;Aktiv\n" + "\n".join(rows) + "\n"
    if encoding == "iso-8859-1":
        text = text.replace("€", "EUR")
    path.write_bytes(text.encode(encoding))
    return path


def table_columns(lake_path: Path, table: str) -> list[tuple[str, str]]:
    con = duckdb.connect(str(lake_path), read_only=True)
    try:
        return [(str(r[0]), str(r[1])) for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
    finally:
        con.close()
