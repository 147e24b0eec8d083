"""Ingest of rows: a RowSample (a database table's or a stream's sampled rows) into a dataset.

The same contract as files (:mod:`.store`): one batch is one transaction (data rows, rejects and
the ``batches`` row commit together or not at all); the same content again adds nothing unless
forced; every row read is either ingested or rejected with a reason, never dropped.

Column types come from each column's ``platform_type`` (what the platform will take):

==============  ==========================================================================
platform type   DuckDB type
==============  ==========================================================================
string          VARCHAR
integer         BIGINT (a value outside 64 bits is rejected: ``out_of_range``)
number          DECIMAL(p,s) when the source declared ``numeric(p,s)``/``decimal(p,s)`` with
                p ≤ 38, else DOUBLE — a value DOUBLE cannot hold exactly is rejected
                (``precision_lost``) rather than rounded
boolean         BOOLEAN
date            DATE
date-time       TIMESTAMPTZ (a timestamp without a zone is taken as UTC, and said in a note)
object, array   JSON
None            VARCHAR, with a note: the platform cannot take the column as it is, but the
                lake keeps its text (bytes as ``\\x``-hex) so nothing is lost and the rows can
                be inspected; the note names the column and its source type
==============  ==========================================================================

A value that does not fit its column's type (a string in an integer column, a dict in a date
column …) sends its whole row to ``rejects`` with the reason (``type_mismatch``, ``out_of_range``,
``precision_lost``) and, in ``detail``, the column and why; ``rejects.file`` is the relation,
``rejects.record`` the row's 1-based position in the sample, ``rejects.raw`` the row as JSON.

Values are passed to DuckDB as parameters only (one text list per column, cast in SQL to the
column's type); identifiers are normalised (:func:`.names.unique_names`) and quoted
(:func:`.names.quote_ident`). Each row carries the lineage columns ``_sd_batch`` and
``_sd_relation``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import duckdb

from .. import safejson
from ..preview.rows import json_value
from ..sources.rows import Column, RowSample, RowSource
from .errors import LakeError
from .mapping import Mapping
from .names import dataset_name, quote_ident, unique_names
from .schema import BATCH_COLUMN, RAW_LIMIT

if TYPE_CHECKING:
    from .store import BatchResult, Lake

#: Lineage column of row batches: the relation (``public.orders``, a topic) the row came from.
RELATION_COLUMN = "_sd_relation"
#: ``datasets.format`` of a dataset whose last batch came from a row source.
ROWS_FORMAT = "rows"

#: DuckDB type of each platform type (``number`` may become DECIMAL, see :func:`duckdb_type`).
PLATFORM_DUCKDB = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "date-time": "TIMESTAMPTZ",
    "object": "JSON",
    "array": "JSON",
}
_NUMERIC = re.compile(r"^\s*(?:numeric|decimal|dec|number)\s*\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\)",
                      re.IGNORECASE)
_INT64 = (-(2**63), 2**63 - 1)

Progress = Callable[[int, int], None]


class Misfit(Exception):
    """A value that does not fit its column's lake type: ``reason`` is the rejects reason."""

    def __init__(self, reason: str, why: str) -> None:
        super().__init__(why)
        self.reason = reason
        self.why = why


def duckdb_type(column: Column) -> str:
    """The lake type of a source column (see the module docstring's table)."""
    if column.platform_type is None:
        return "VARCHAR"
    if column.platform_type == "number":
        m = _NUMERIC.match(column.type)
        if m:
            precision, scale = int(m.group(1)), int(m.group(2) or 0)
            if 1 <= precision <= 38 and 0 <= scale <= precision:
                return f"DECIMAL({precision},{scale})"
    try:
        return PLATFORM_DUCKDB[column.platform_type]
    except KeyError:
        raise LakeError("relation", f"column {column.name}: unknown platform type "
                        f"{column.platform_type!r} (the connector's bug; please report it)") from None


def _kind(value: Any) -> str:
    return type(value).__name__


def _to_json_data(value: Any) -> Any:
    return json_value(value)  # the preview's JSON form: one rule for both


def _text_of(value: Any) -> str:
    """Any value as text for a VARCHAR column: bytes as ``\\x``-hex (all of them), others as the
    preview shows them."""
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    data = _to_json_data(value)
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)


def _integer(value: Any) -> str:
    if isinstance(value, bool):
        raise Misfit("type_mismatch", "a boolean in an integer column")
    if isinstance(value, float | Decimal):
        if not (value == value and abs(value) != math.inf) or value != int(value):
            raise Misfit("type_mismatch", f"{value!s} is not a whole number")
        value = int(value)
    if not isinstance(value, int):
        raise Misfit("type_mismatch", f"a {_kind(value)} in an integer column")
    if not _INT64[0] <= value <= _INT64[1]:
        raise Misfit("out_of_range", f"{value} does not fit a 64-bit integer (BIGINT)")
    return str(value)


def _double(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise Misfit("type_mismatch", f"a {_kind(value)} in a number column")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal) and not value.is_finite():
        return "nan" if value.is_nan() else ("inf" if value > 0 else "-inf")
    try:
        as_float = float(value)
    except OverflowError:
        as_float = math.inf
    if math.isinf(as_float):
        raise Misfit("out_of_range", f"{value} is beyond a DOUBLE's range")
    if Decimal(repr(as_float)) != Decimal(value):
        raise Misfit("precision_lost", f"{value} cannot be stored as a DOUBLE without rounding "
                     f"(it would become {as_float!r})")
    return repr(as_float)


def _decimal(value: Any, precision: int, scale: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise Misfit("type_mismatch", f"a {_kind(value)} in a number column")
    try:
        dec = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not dec.is_finite():
            raise Misfit("out_of_range", f"{value} is not a finite number (DECIMAL has none)")
        exact = dec.quantize(Decimal(1).scaleb(-scale))
    except InvalidOperation:
        raise Misfit("out_of_range", f"{value} does not fit DECIMAL({precision},{scale})") from None
    if exact != dec:
        raise Misfit("precision_lost", f"{value} has more than {scale} decimal places")
    if len(exact.as_tuple().digits) > precision and exact != 0:
        raise Misfit("out_of_range", f"{value} does not fit DECIMAL({precision},{scale})")
    return str(exact)


def _boolean(value: Any) -> str:
    if not isinstance(value, bool):
        raise Misfit("type_mismatch", f"a {_kind(value)} in a boolean column")
    return "true" if value else "false"


def _date(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise Misfit("type_mismatch", "text that is not an ISO date (YYYY-MM-DD)") from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise Misfit("type_mismatch", f"a {_kind(value)} in a date column")
    return value.isoformat()


def _timestamp(value: Any, naive: list[bool]) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise Misfit("type_mismatch", "text that is not an ISO 8601 date-time") from None
    if not isinstance(value, datetime):
        raise Misfit("type_mismatch", f"a {_kind(value)} in a date-time column")
    if value.tzinfo is None:
        naive[0] = True
        value = value.replace(tzinfo=UTC)
    return str(value.isoformat())


def _json(value: Any, want: str) -> str:
    expected = dict if want == "object" else list | tuple
    if isinstance(value, str):  # json/jsonb columns often arrive as their text: kept as it is
        try:
            parsed = safejson.loads(value)
        except ValueError:
            raise Misfit("type_mismatch", "text that is not JSON") from None
        if not isinstance(parsed, expected):
            raise Misfit("type_mismatch", f"a {_kind(parsed)} where a JSON {want} was expected")
        return value
    if not isinstance(value, expected):
        raise Misfit("type_mismatch", f"a {_kind(value)} where a JSON {want} was expected")
    return json.dumps(_to_json_data(value), ensure_ascii=False)


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list | tuple | bytes | bytearray | memoryview):
        raise Misfit("type_mismatch", f"a {_kind(value)} in a string column")
    return _text_of(value)


@dataclass
class _LakeColumn:
    """One dataset column: the source column, its lake name and type, and its converter."""

    source: Column
    name: str
    type: str
    naive_seen: list[bool]

    def __post_init__(self) -> None:
        # Chosen once per column: the per-value path is one call.
        t, platform = self.type, self.source.platform_type
        fn: Callable[[Any], str]
        if platform is None:
            fn = _text_of
        elif t.startswith("DECIMAL"):
            precision, scale = (int(x) for x in t[8:-1].split(","))
            fn = functools.partial(_decimal, precision=precision, scale=scale)
        elif platform in ("object", "array"):
            fn = functools.partial(_json, want=platform)
        elif platform == "date-time":
            fn = functools.partial(_timestamp, naive=self.naive_seen)
        else:
            fn = {"integer": _integer, "number": _double, "boolean": _boolean,
                  "date": _date}.get(platform, _string)
        self._fn = fn

    def convert(self, value: Any) -> str | None:
        return None if value is None else self._fn(value)


@dataclass(frozen=True)
class _Prepared:
    """The rows of a sample split into what lands (one text list per column) and the rejects."""

    columns: list[_LakeColumn]
    values: list[list[str | None]]
    landed: int
    rejects: list[tuple[int, str, str, str]]  # (record, reason, detail, raw)
    read: int

    def notes(self, said: tuple[str, ...] = ()) -> list[str]:
        """What the batch did that the reader should know (``said``: the source's own notes,
        not repeated)."""
        out = []
        for c in self.columns:
            if c.source.platform_type is None:
                why = c.source.note
                out.append(f"column {c.source.name} ({c.source.type}) has no platform type: "
                           f"stored as text (VARCHAR) in {c.name}"
                           + (f"; {why}" if why and not any(why in n for n in said) else ""))
            if c.naive_seen[0]:
                out.append(f"column {c.source.name} ({c.source.type}) has timestamps without a "
                           "time zone: stored as UTC")
        return out


def lake_columns(sample: RowSample) -> list[_LakeColumn]:
    """The dataset columns for a sample's columns (names normalised and made unique)."""
    if not sample.columns:  # e.g. an empty topic: no record, so no column is known
        why = "holds no records" if not sample.rows else "has no columns"
        raise LakeError("relation", f"{sample.relation} {why}; nothing was ingested and no "
                        "dataset was created")
    names = unique_names(c.name for c in sample.columns)
    return [_LakeColumn(c, n, duckdb_type(c), [False])
            for c, n in zip(sample.columns, names, strict=True)]


def _raw(sample: RowSample, row: tuple[Any, ...]) -> str:
    data = {c.name: _to_json_data(v) for c, v in zip(sample.columns, row, strict=False)}
    text = json.dumps(data, ensure_ascii=False, default=str)
    return text if len(text) <= RAW_LIMIT else text[: RAW_LIMIT - 1] + "…"


def prepare_rows(sample: RowSample, limit: int | None = None) -> _Prepared:
    """Convert every row (at most ``limit``) for its columns' lake types; misfits become rejects."""
    cols = lake_columns(sample)
    rows = sample.rows if limit is None else sample.rows[:limit]
    values: list[list[str | None]] = [[] for _ in cols]
    rejects = []
    landed = 0
    # Rows the source could not split into the columns (a stream record that is not JSON).
    unsplit = {p.row: p for p in sample.problems}
    for record, row in enumerate(rows, start=1):
        converted: list[str | None] = []
        misfits: list[tuple[str, str]] = []
        problem = unsplit.get(record - 1)
        if problem is not None:
            raw = problem.raw if len(problem.raw) <= RAW_LIMIT else problem.raw[: RAW_LIMIT - 1] + "…"
            rejects.append((record, problem.reason, problem.detail[:RAW_LIMIT], raw))
            continue
        if len(row) != len(cols):
            misfits.append(("ragged_row", f"{len(row)} values for {len(cols)} columns"))
        else:
            for col, value in zip(cols, row, strict=True):
                try:
                    converted.append(col.convert(value))
                except Misfit as m:
                    misfits.append((m.reason, f"{col.source.name}: {m.why}"))
        if misfits:
            detail = "; ".join(why for _, why in misfits)
            rejects.append((record, misfits[0][0], detail[:RAW_LIMIT], _raw(sample, row)))
            continue
        for i, text in enumerate(converted):
            values[i].append(text)
        landed += 1
    return _Prepared(cols, values, landed, rejects, len(rows))


def content_hash(dataset: str, sample: RowSample, prepared: _Prepared) -> str:
    """What makes two row batches the same: dataset, relation, columns and the rows read."""
    h = hashlib.sha256()
    h.update(f"rows\0{dataset}\0{sample.relation}\0".encode())
    for c in prepared.columns:
        h.update(f"{c.source.name}\0{c.source.type}\0{c.source.platform_type}\0{c.type}\0".encode())
    for column in prepared.values:
        h.update(json.dumps(column, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\0")
    for record, reason, _, raw in prepared.rejects:
        h.update(f"{record}\0{reason}\0{raw}\0".encode("utf-8", "surrogatepass"))
    return "sha256:" + h.hexdigest()


def _ensure_table(con: duckdb.DuckDBPyConnection, dataset: str, cols: list[_LakeColumn]) -> None:
    table = quote_ident(dataset)
    wanted = [(c.name, c.type) for c in cols] + [(BATCH_COLUMN, "INTEGER"),
                                                  (RELATION_COLUMN, "VARCHAR")]
    existing = {str(r[0]) for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND NOT internal "
        "AND schema_name = 'main'", [dataset]).fetchall()}
    if not existing:
        body = ", ".join(f"{quote_ident(n)} {t}" for n, t in wanted)
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})")
        return
    for name, typ in wanted:
        if name not in existing:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(name)} {typ}")


def _insert(con: duckdb.DuckDBPyConnection, dataset: str, batch_id: int, relation: str,
            prepared: _Prepared) -> int:
    if not prepared.landed:
        return 0
    # Column i is the i-th text list, unnested side by side and cast to its type in SQL: the
    # values travel as parameters only, never as SQL text.
    inner = ", ".join(f"unnest(?::VARCHAR[]) AS c{i}" for i in range(len(prepared.columns)))
    fields = ", ".join(f"CAST(c{i} AS {c.type}) AS {quote_ident(c.name)}"
                       for i, c in enumerate(prepared.columns))
    row = con.execute(
        f"INSERT INTO {quote_ident(dataset)} BY NAME SELECT {fields}, "
        f"?::INTEGER AS {BATCH_COLUMN}, ?::VARCHAR AS {RELATION_COLUMN} FROM (SELECT {inner})",
        [batch_id, relation, *prepared.values],
    ).fetchone()
    return int(row[0]) if row else 0


def ingest_rows(
    lake: Lake,
    sample: RowSample,
    dataset: str,
    *,
    rows: int | None = None,
    force: bool = False,
    source: str = "rows",
    source_label: str | None = None,
    progress: Progress | None = None,
    mapping: Mapping | None = None,
) -> BatchResult:
    """Land ``sample``'s rows (the first ``rows`` of them; None: all) in ``dataset`` as one batch.

    ``source`` is the source's scheme (``postgresql``, ``kafka``), ``source_label`` what the
    batch names as its source (default: the relation). The same rows again add nothing
    (``skipped_duplicate``) unless ``force``. A mapping file is not supported for rows yet: a
    non-empty ``mapping`` raises :class:`LakeError` naming ``map``.
    """
    from .store import BatchResult

    if mapping is not None and mapping.canonical() != Mapping().canonical():
        raise LakeError("map", "a mapping file is not supported for database or stream rows yet; "
                        "ingest without --map and rename or cast in the lake (sourcedoctor lake)")
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    name = dataset_name(dataset)
    prepared = prepare_rows(sample, rows)
    total = prepared.read
    if progress:
        progress(0, total)
    digest = content_hash(name, sample, prepared)
    label = (source_label or f"{source}:{sample.relation}")[:500]
    # A column's own note (the connector's "b: bytea is binary …") is said once, in the lake's
    # line about that column, not as a second line before it.
    covered = {f"{c.source.name}: {c.source.note}" for c in prepared.columns
               if c.source.platform_type is None and c.source.note}
    source_notes = tuple(n for n in sample.notes if n not in covered)
    notes = prepared.notes(source_notes)
    more = True if rows is not None and len(sample.rows) > rows else sample.more
    entry: dict[str, Any] = {"file": sample.relation, "relation": sample.relation,
                             "source": source, "columns": len(prepared.columns),
                             "more": more, "complete": more is False,
                             "notes": [*source_notes, *notes]}
    with lake.connect() as con:
        dup = None if force else lake._duplicate(con, name, digest)
        con.execute("BEGIN")
        try:
            row = con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchone()
            batch_id = int(row[0]) if row else 1
            if dup is not None:
                lake._insert_batch(con, [batch_id, name, label, json.dumps([entry]), 0, 0, 0,
                                         started, datetime.now(UTC), "duplicate", digest, dup])
                con.execute("COMMIT")
                return BatchResult(batch_id, name, 0, 0, 0, True, time.perf_counter() - t0,
                                   digest, dup, (entry,))
            _ensure_table(con, name, prepared.columns)
            ingested = _insert(con, name, batch_id, sample.relation, prepared)
            if prepared.rejects:
                con.executemany(
                    "INSERT INTO rejects VALUES (?, ?, ?, NULL, ?, ?, ?, ?)",
                    [[batch_id, name, sample.relation, record, reason, detail, raw]
                     for record, reason, detail, raw in prepared.rejects])
            rejected = len(prepared.rejects)
            if ingested + rejected != prepared.read:
                raise LakeError("relation", f"{sample.relation}: {prepared.read} rows read but "
                                f"{ingested} ingested + {rejected} rejected; the batch was not "
                                "stored (please report this)")
            entry.update(rows_read=prepared.read, rows_ingested=ingested, rows_rejected=rejected)
            lake._insert_batch(con, [batch_id, name, label, json.dumps([entry]), prepared.read,
                                     ingested, rejected, started, datetime.now(UTC), "ok", digest,
                                     None])
            con.execute(
                "INSERT INTO datasets VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "identity_column = excluded.identity_column, mapping = excluded.mapping, "
                "format = excluded.format",
                [name, started, None, Mapping().canonical(), ROWS_FORMAT])
            con.execute("COMMIT")
        except BaseException as exc:
            with suppress(duckdb.Error):
                con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error) and not isinstance(exc, duckdb.InterruptException):
                raise LakeError(
                    "relation",
                    f"DuckDB refused the batch: {str(exc).splitlines()[0]}; nothing was stored",
                ) from None
            raise
    if progress:
        progress(total, total)
    return BatchResult(batch_id, name, prepared.read, ingested, rejected, False,
                       time.perf_counter() - t0, digest, None, (entry,))


#: Most rows one batch samples from a row source when ``--rows`` asks for no cap (0 / all): a
#: RowSource never scans a whole relation, so "all" means this many.
MAX_SAMPLE_ROWS = 1_000_000


async def ingest_from_row_source(
    lake: Lake,
    source: RowSource,
    relation: str | None,
    dataset: str,
    *,
    rows: int | None,
    force: bool = False,
    source_label: str | None = None,
    progress: Progress | None = None,
    mapping: Mapping | None = None,
) -> BatchResult:
    """Sample ``rows`` rows (None: :data:`MAX_SAMPLE_ROWS`) of ``relation`` from a RowSource and
    land them as one batch. Without a relation, :class:`LakeError` (field ``table``) names the
    source's relations to choose from; a RowSourceError becomes a LakeError naming the relation."""
    import asyncio

    from ..sources.rows import RowSourceError, relation_hint

    if not relation or relation.strip() == "":
        from ..preview.rows import list_relations

        try:
            listing = await list_relations(source, limit=20)
            have = ", ".join(r.name for r in listing.relations) or "(none visible)"
        except RowSourceError as exc:
            have = f"(cannot list them: {exc.kind})"
        raise LakeError("table", f"name the table or topic to ingest ({relation_hint(source)}); "
                        f"the source has: {have}")
    dataset_name(dataset)  # a reserved name is refused before anything is read
    if mapping is not None and mapping.canonical() != Mapping().canonical():
        raise LakeError("map", "a mapping file is not supported for database or stream rows yet; "
                        "ingest without --map and rename or cast in the lake (sourcedoctor lake)")
    try:
        sample = await source.sample(relation, limit=rows or MAX_SAMPLE_ROWS)
    except RowSourceError as exc:
        raise LakeError("table", f"cannot read {exc.relation}: {exc.kind}"
                        + (f" ({exc.detail})" if exc.detail else "")) from None
    return await asyncio.to_thread(
        ingest_rows, lake, sample, dataset, rows=rows, force=force, source=source.scheme,
        source_label=source_label, progress=progress, mapping=mapping)
