"""Delimited text: dialect, header and types from DuckDB's CSV sniffer, bad rows from its rejects.

The sample is written (decoded, as UTF-8) to a private temporary file so DuckDB reads exactly the
bytes we sampled and nothing more of the real file.

One in-memory DuckDB database serves every sample of the process (:func:`_cursor`): opening a
database costs ~25 ms of CPU (DuckDB loads its built-in extensions into each new instance) and
closing it ~8 ms, more than sniffing a head takes. Each sample gets its own connection (a cursor)
and keeps its tables TEMPORARY, which DuckDB scopes to that connection, rejects included, so
samples running side by side in threads never see each other's tables.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb

from .. import codes
from ..duckdb_connect import connect_duckdb
from ..model import Finding, Severity
from ..targets import GENERIC, TargetProfile
from .model import Column, Dialect, RowProblem
from .records import columns_from_records, jsonable

#: At most this many bad rows are listed in evidence (the count says how many there were).
EVIDENCE_ROWS = 20
#: Lines looked at when hunting for a multi-character delimiter.
_PROBE_LINES = 30
_MULTI = re.compile(r"[^\w\s\"'.\-]{2,4}")
_FOUND = re.compile(r"Found:\s*(\d+)")
_EXPECTED = re.compile(r"Expected Number of Columns:\s*(\d+)")


@dataclass
class DelimitedSample:
    """What the delimited reader learned (folded into a SampleResult by the caller)."""

    dialect: Dialect | None = None
    columns: tuple[Column, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    problems: list[RowProblem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    confidence: dict[str, float] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


_shared: duckdb.DuckDBPyConnection | None = None
_shared_lock = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's sniffing database (opened on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = connect_duckdb(config={"threads": 1, "memory_limit": "256MB"})
        return _shared.cursor()


def warm_up() -> None:
    """Open the sniffing database now and sniff a two-line sample once (a background thread calls
    this while the network layers run): the first sniff of a process costs ~8 ms more than the
    next ones, and the first real sample then does not wait for either."""
    _cursor().close()
    read_delimited("a,b\n1,x\n", name="warm-up.csv", target=GENERIC, rows=1)


def _forget_database() -> None:
    """After a fatal DuckDB error the database is unusable: the next sample opens a new one."""
    global _shared
    with _shared_lock:
        _shared = None


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sed_literal(text: str) -> str:
    """``text`` as a literal in a sed basic regular expression (| and + are plain there)."""
    return "".join("\\" + ch if ch in "\\.[]*^$/" else ch for ch in text)


def multichar_delimiter(text: str) -> str | None:
    """A 2-4 character separator that occurs equally often (at least once) on every probed line."""
    lines = [ln for ln in text.splitlines()[:_PROBE_LINES] if ln.strip()]
    if len(lines) < 2:
        return None
    per_line = [Counter(_MULTI.findall(ln)) for ln in lines]
    for cand, n in per_line[0].most_common():
        if all(c.get(cand) == n for c in per_line[1:]) and n >= 1:
            # a single character repeated ("||") must not just be a run of one-char separators
            # with empty fields in between; that is a plain delimiter with empty values.
            single = cand[0]
            if len(set(cand)) == 1 and any(single * (len(cand) + 1) in ln for ln in lines):
                continue
            return str(cand)
    return None


def _first_record(text: str, delim: str, quote: str | None) -> list[str]:
    first = next(iter(text.splitlines()), "")
    if len(delim) != 1:
        return first.split(delim)
    reader = csv.reader(io.StringIO(first), delimiter=delim, quotechar=quote or '"')
    return next(reader, [])


def read_delimited(text: str, *, name: str, target: TargetProfile, rows: int,
                   line_offset: int = 0) -> DelimitedSample:
    """Sniff and parse delimited ``text`` (whole lines only). ``line_offset`` maps sample lines to
    file lines when rows were skipped before the text (not used today: the sample is the head)."""
    out = DelimitedSample()
    multi = multichar_delimiter(text)
    if multi and target.single_char_delimiter:
        out.findings.append(codes.make_finding(
            "data.delimiter_multichar",
            f"{name} separates columns with the multi-character delimiter {multi!r}",
            evidence={"file": name, "delimiter": multi},
            fix=[f"Re-export {name} with a one-character delimiter, e.g.: "
                 f"sed 's/{_sed_literal(multi)}/,/g' {name} > {name}.csv "
                 "(only if no value contains a comma)"]))
    with tempfile.TemporaryDirectory(prefix="sourcedoctor-") as tmp:
        path = os.path.join(tmp, "sample.csv")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        con = _cursor()
        try:
            _sniff_and_read(con, path, multi, name, rows, out)
        except duckdb.Error as exc:
            if isinstance(exc, duckdb.FatalException):
                _forget_database()
            out.findings.append(codes.make_finding(
                "data.format_unknown", f"{name} could not be read as delimited text",
                evidence={"file": name, "reader_error": str(exc).splitlines()[0][:300]}))
        finally:
            con.close()
    if not target.header_row_required:  # a generic reader names the columns itself
        out.findings = [replace(f, severity=Severity.WARN) if f.code == "data.header_missing"
                        else f for f in out.findings]
    return out


def _sniff_and_read(con: duckdb.DuckDBPyConnection, path: str, multi: str | None, name: str,
                    rows: int, out: DelimitedSample) -> None:
    sniff_args = ", ignore_errors=true" + (f", delim={_sql_str(multi)}" if multi else "")
    row = con.execute(
        f"SELECT Delimiter, Quote, Escape, NewLineDelimiter, SkipRows, HasHeader, Columns "
        f"FROM sniff_csv({_sql_str(path)}{sniff_args})").fetchone()
    assert row is not None  # sniff_csv always returns one row
    delim, quote, escape, newline, skip, has_header, cols = row
    quote = None if quote in ("(empty)", "") else quote
    escape = None if escape in ("(empty)", "") else escape
    types = {c["name"]: c["type"] for c in cols}
    out.dialect = Dialect(delimiter=delim, quote=quote, escape=escape, header=bool(has_header),
                          newline=str(newline).replace("\\n", "\n").replace("\\r", "\r"),
                          skip_rows=int(skip))
    columns_sql = "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in types.items()) + "}"
    args = (f"delim={_sql_str(delim)}, quote={_sql_str(quote or '')}, "
            f"escape={_sql_str(escape or '')}, header={'true' if has_header else 'false'}, "
            f"skip={int(skip)}, columns={columns_sql}, store_rejects=true, auto_detect=false")
    # One scan into a table: the row count, the preview rows and the rejects all come from it.
    con.execute(f"CREATE TEMP TABLE sample AS SELECT * FROM read_csv({_sql_str(path)}, {args})")
    rel = con.execute(f"SELECT * FROM sample LIMIT {int(rows)}")
    names = [d[0] for d in rel.description]
    records = [dict(zip(names, (jsonable(v) for v in r), strict=True)) for r in rel.fetchall()]
    total = con.execute("SELECT count(*) FROM sample").fetchone()
    rejects = con.execute(
        f"SELECT line, error_type, error_message, csv_line FROM reject_errors "
        f"ORDER BY line LIMIT {10 * EVIDENCE_ROWS + 1000}").fetchall()
    counted = con.execute(
        "SELECT count(*) FILTER (WHERE error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')), "
        "count(*) FROM reject_errors").fetchone()
    ragged, rejected = (int(counted[0]), int(counted[1])) if counted else (0, 0)
    out.rows = tuple(records)
    out.columns = columns_from_records(records, types)
    out.facts["rows_in_sample"] = (total[0] if total else 0) + rejected
    _judge_rejects(rejects, name, len(types), ragged, out)
    _judge_header(path, delim, quote, bool(has_header), types, name, out)
    sample_rows = max(out.facts["rows_in_sample"], 1)
    out.confidence["dialect"] = round(max(0.0, 1.0 - ragged / sample_rows), 2)
    out.confidence["format"] = 0.95 if len(types) > 1 else 0.5
    typed = any(t != "VARCHAR" for t in types.values())
    out.confidence["header"] = 0.9 if typed else 0.6


def _judge_rejects(rejects: list[tuple[Any, ...]], name: str, expected: int, ragged: int,
                   out: DelimitedSample) -> None:
    bad: list[dict[str, Any]] = []
    for line, etype, message, raw in rejects:
        found = _FOUND.search(message or "")
        exp = _EXPECTED.search(message or "")
        if etype in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
            fields = int(found.group(1)) if found else None
            if len(bad) < EVIDENCE_ROWS:
                bad.append({"line": int(line), "fields": fields,
                            "expected": int(exp.group(1)) if exp else expected})
            out.problems.append(RowProblem(int(line), f"{fields} fields, expected "
                                           f"{int(exp.group(1)) if exp else expected}",
                                           str(raw or "")[:200]))
        else:
            out.problems.append(RowProblem(int(line), f"{str(etype).lower()}: {message}",
                                           str(raw or "")[:200]))
    if ragged and bad:
        first = bad[0]
        out.findings.append(codes.make_finding(
            "data.csv_ragged",
            f"{name}: {ragged} row(s) in the sample have the wrong number of fields "
            f"(first: line {first['line']}, {first['fields']} fields, "
            f"expected {first['expected']})",
            evidence={"file": name, "expected_fields": expected, "bad_rows": bad,
                      "bad_row_count": ragged}))


def _judge_header(path: str, delim: str, quote: str | None, has_header: bool,
                  types: dict[str, str], name: str, out: DelimitedSample) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        head = fh.read(64 * 1024)
    first = _first_record(head, delim, quote)
    if not has_header:
        out.findings.append(codes.make_finding(
            "data.header_missing",
            f"{name} has no header row: its first row looks like data",
            evidence={"file": name, "first_row": first[:20],
                      "inferred_types": list(types.values())[:20]},
            fix=[f"Add a header line with column names as the first line of {name}."]))
        return
    stripped = [f.strip() for f in first]
    empty = [i + 1 for i, f in enumerate(stripped) if not f]
    dupes = sorted({f for f in stripped if f and stripped.count(f) > 1})
    if empty or dupes:
        out.findings.append(codes.make_finding(
            "data.header_missing",
            f"{name}: the header row has " + ("empty" if empty else "duplicate") + " column names",
            evidence={"file": name, "header": first[:50], "empty_positions": empty[:50],
                      "duplicates": dupes[:50]}))
