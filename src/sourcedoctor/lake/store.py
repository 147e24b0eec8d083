"""The Lake: one DuckDB file holding datasets, their batches and rejects.

Every batch is one transaction: its data rows, its rejects and its ``batches`` row commit together
or not at all (DuckDB's WAL discards an uncommitted transaction after a crash). The file is opened
per operation, so an idle Lake object (e.g. in the TUI) never keeps the file locked.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ..duckdb_connect import connect_duckdb
from ..outputs import OutputRefused, staged_output
from ..userfiles import UserFileError, read_head
from .archives import is_archive_sample, prepare_path
from .bounded import CappedFiles, PreparedFile, prepare_file
from .errors import LakeBusy, LakeError
from .mapping import Mapping
from .names import RESERVED_DATASETS, dataset_name, quote_ident
from .plan import IngestPlan, plan_for_path, plan_from_sample
from .readers import FileLoader, lit
from .sampling import Sampling
from .schema import DDL, METADATA_TABLES

if TYPE_CHECKING:
    from ..model import Finding
    from ..preview.model import SampleResult
    from ..sources.rows import RowSample

#: Default bounded sample: the same cap the preview uses.
DEFAULT_ROWS = 10_000

Progress = Callable[[int, int], None]
Ingestable = IngestPlan | PreparedFile | str | os.PathLike[str]


def default_lake_path() -> Path:
    """``<user data dir>/sourcedoctor/lake.duckdb`` (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("sourcedoctor")) / "lake.duckdb"


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one ingest call."""

    batch_id: int
    dataset: str
    rows_read: int
    rows_ingested: int
    rows_rejected: int
    skipped_duplicate: bool
    duration: float
    content_hash: str
    duplicate_of: int | None = None
    files: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    #: The preview's warnings about the files that were ingested anyway (e.g. data.csv_ragged).
    notes: tuple[Finding, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "dataset": self.dataset,
            "rows_read": self.rows_read,
            "rows_ingested": self.rows_ingested,
            "rows_rejected": self.rows_rejected,
            "skipped_duplicate": self.skipped_duplicate,
            "duplicate_of": self.duplicate_of,
            "duration_s": round(self.duration, 3),
            "content_hash": self.content_hash,
            "files": list(self.files),
            "notes": [
                {"code": f.code, "severity": f.severity.label, "summary": f.summary}
                for f in self.notes
            ],
        }


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _as_plan(item: Any, sampling: Sampling) -> IngestPlan | PreparedFile:
    if isinstance(item, IngestPlan | PreparedFile):
        return item
    if isinstance(item, str | os.PathLike):
        return plan_for_path(item, sampling=sampling)
    if hasattr(item, "format") and hasattr(item, "dialect"):  # a preview SampleResult
        return plan_from_sample(item)
    raise LakeError("source", f"cannot ingest a {type(item).__name__}")


def _label(item: Any) -> str:
    if isinstance(item, IngestPlan):
        return item.label
    if isinstance(item, PreparedFile):
        return item.plan.label
    return str(getattr(item, "path", item))  # a path, or a SampleResult's path


class Lake:
    """A lake file. Methods open the file, do one thing, and close it again."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_lake_path()

    # -- connection ------------------------------------------------------------------------------
    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the lake; a file locked by another process raises :class:`LakeBusy`.

        Reading never creates a lake: a missing file reads as an empty lake (commands that only read
        call :meth:`require_file` first, so a typo is named). The path is checked before DuckDB
        sees it (a FIFO, a device, a directory or a SQLite file is refused), and DuckDB may not
        fetch or load extensions (see ``duckdb_connect``).
        """
        if read_only and not os.path.lexists(self.path):
            con = connect_duckdb()  # an empty lake, without creating the file
            try:
                for ddl in DDL:
                    con.execute(ddl)
                yield con
            finally:
                con.close()
            return
        self.check_file()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = connect_duckdb(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if _is_lock_error(exc):
                raise LakeBusy(str(self.path)) from None
            raise LakeError(
                "lake", f"cannot open {self.path}: {str(exc).splitlines()[0]}"
            ) from None
        except OSError as exc:
            raise LakeError("lake", f"cannot create {self.path.parent}: {exc.strerror}") from None
        try:
            if not read_only:
                for ddl in DDL:
                    con.execute(ddl)
                self._check_bookkeeping(con)
            else:
                _stand_in_for_missing_tables(con)
            yield con
        finally:
            con.close()

    def require_file(self) -> Lake:
        """This lake, if its file exists; :class:`LakeError` naming the path if not (a command
        that only reads says so instead of showing an empty lake)."""
        if not os.path.lexists(self.path):
            raise LakeError(
                "lake",
                f"{self.path} does not exist (no lake there); check --lake, "
                "or create it with sourcedoctor ingest",
            )
        self.check_file()
        return self

    def check_file(self) -> None:
        """Refuse (:class:`LakeError`) a lake path that exists but is not a DuckDB file, before
        DuckDB opens it (it would block on a FIFO, and on a SQLite file it would go looking for an
        extension). A missing path is fine: writing creates the lake."""
        if not os.path.lexists(self.path):
            return
        try:
            head = read_head(self.path, "lake", 16,
                             fix="give a lake file (.duckdb) written by sourcedoctor ingest")
        except UserFileError as exc:
            raise LakeError(exc.field, exc.message) from None
        if head.startswith(b"SQLite format 3\0"):
            raise LakeError("lake", f"{self.path} is a SQLite database, not a sourcedoctor lake "
                            "(DuckDB); give a .duckdb lake file")
        if len(head) >= 12 and head[8:12] != b"DUCK":
            raise LakeError("lake", f"{self.path} is not a DuckDB database, so not a sourcedoctor "
                            "lake; check --lake")

    def _check_bookkeeping(self, con: duckdb.DuckDBPyConnection) -> None:
        """Refuse to write a lake whose bookkeeping tables were used as datasets.

        Before reserved names, ``ingest --dataset rejects`` could add a dataset's columns to the
        ``rejects`` table; every later batch would then fail half-way with a DuckDB error.
        """
        expected = _bookkeeping_columns(con)
        damaged = []
        for table in METADATA_TABLES:
            cols = {r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND table_name = ?", [table]
            ).fetchall()}
            if cols - expected[table]:  # a dataset's columns were added to it
                damaged.append(table)
        listed = con.execute(
            "SELECT name FROM datasets WHERE name IN (SELECT unnest(?::VARCHAR[]))",
            [sorted(RESERVED_DATASETS)],
        ).fetchall()
        damaged += [r[0] for r in listed if r[0] not in damaged]
        if damaged:
            raise LakeError(
                "lake",
                f"{self.path}: the lake's own table(s) {', '.join(sorted(damaged))} were used as a "
                "dataset by an older sourcedoctor, so new batches cannot be recorded; export the "
                "datasets you need (sourcedoctor lake export) and ingest into a new --lake file",
            )
    # -- ingest ----------------------------------------------------------------------------------
    def ingest(
        self,
        source: Ingestable | SampleResult | Sequence[Ingestable | SampleResult],
        dataset: str,
        *,
        rows: int | None = DEFAULT_ROWS,
        mapping: Mapping | None = None,
        force: bool = False,
        progress: Progress | None = None,
        source_label: str | None = None,
        sampling: Sampling | None = None,
    ) -> BatchResult:
        """Ingest a bounded sample of ``source`` (file path(s), IngestPlan(s), SampleResult(s) or
        already prepared files) into ``dataset`` as one batch.

        Paths are sampled with the preview's sampler (``sampling``: target, head bytes), so the
        dataset gets the dialect and column types ``sourcedoctor preview`` shows; a file the
        preview finds unreadable raises :class:`~.readable.DataRefused` before anything is stored.
        ``rows`` caps records across all files (None or 0: no cap). The same content (bytes read +
        mapping + dataset) ingested again adds nothing (``skipped_duplicate=True``) unless
        ``force``. ``progress(done, total)`` is called with input bytes.
        """
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        name = dataset_name(dataset)
        mapping = mapping or Mapping()
        limit = rows if rows else None
        items: Sequence[Any] = source if isinstance(source, list | tuple) else [source]
        if not items:
            raise LakeError("source", "no files to ingest")
        label = source_label or ", ".join(_label(i) for i in items)[:500]
        preps = self._prepare(items, limit, progress, sampling or Sampling())
        try:
            content_hash = self._content_hash(name, mapping, preps)
            with self.connect() as con:
                dup = self._duplicate(con, name, content_hash) if not force else None
                if dup is not None:
                    return self._record_duplicate(
                        con, name, label, preps, content_hash, dup, started, t0
                    )
                return self._load_batch(
                    con, name, label, preps, mapping, limit, content_hash, started, t0, progress
                )
        finally:
            for p in preps:
                p.discard()

    def _prepare(
        self,
        items: Sequence[Any],
        limit: int | None,
        progress: Progress | None,
        sampling: Sampling,
    ) -> list[PreparedFile]:
        """Sample, plan and cut the files in order, only as many as the row cap needs."""
        total = sum(_size(i) for i in items)
        done = 0

        def on_bytes(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(min(done, total), total)

        with CappedFiles(limit) as taken:
            for item in items:
                if taken.full:
                    break
                if isinstance(item, str | os.PathLike) or is_archive_sample(item):
                    # Sampled as the preview does; an archive adds each of its members.
                    prepare_path(getattr(item, "path", item), taken, sampling=sampling,
                                 on_bytes=on_bytes if progress else None)
                    continue
                plan = _as_plan(item, sampling)
                taken.add(
                    plan
                    if isinstance(plan, PreparedFile)
                    else prepare_file(plan, taken.remaining, on_bytes=on_bytes if progress else None)
                )
        return taken.preps

    @staticmethod
    def _content_hash(dataset: str, mapping: Mapping, preps: list[PreparedFile]) -> str:
        h = hashlib.sha256()
        h.update(dataset.encode() + b"\0" + mapping.canonical().encode() + b"\0")
        for p in preps:
            h.update(f"{p.hash_key()}\0".encode())
        return "sha256:" + h.hexdigest()

    @staticmethod
    def _duplicate(con: duckdb.DuckDBPyConnection, dataset: str, content_hash: str) -> int | None:
        row = con.execute(
            # A batch whose every row was rejected holds nothing: the same content again is a
            # retry (after a fix in the connector or the lake), not a duplicate.
            "SELECT min(batch_id) FROM batches WHERE dataset = ? AND content_hash = ? "
            "AND status = 'ok' AND (rows_ingested > 0 OR rows_read = 0)",
            [dataset, content_hash],
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    @staticmethod
    def _files_json(
        preps: list[PreparedFile], loads: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        out = []
        for i, p in enumerate(preps):
            entry = p.describe()
            if loads is not None and i < len(loads):
                entry.update(
                    rows_read=loads[i].rows_read,
                    rows_ingested=loads[i].rows_ingested,
                    rows_rejected=loads[i].rows_rejected,
                )
            out.append(entry)
        return out

    def _insert_batch(self, con: duckdb.DuckDBPyConnection, values: list[Any]) -> None:
        con.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)

    def _record_duplicate(
        self,
        con: duckdb.DuckDBPyConnection,
        dataset: str,
        label: str,
        preps: list[PreparedFile],
        content_hash: str,
        dup: int,
        started: datetime,
        t0: float,
    ) -> BatchResult:
        con.execute("BEGIN")
        row = con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchone()
        batch_id = int(row[0]) if row else 1
        files = self._files_json(preps)
        self._insert_batch(
            con,
            [
                batch_id,
                dataset,
                label,
                json.dumps(files),
                0,
                0,
                0,
                started,
                datetime.now(UTC),
                "duplicate",
                content_hash,
                dup,
            ],
        )
        con.execute("COMMIT")
        return BatchResult(
            batch_id,
            dataset,
            0,
            0,
            0,
            True,
            time.perf_counter() - t0,
            content_hash,
            dup,
            tuple(files),
            _notes(preps),
        )

    def _load_batch(
        self,
        con: duckdb.DuckDBPyConnection,
        dataset: str,
        label: str,
        preps: list[PreparedFile],
        mapping: Mapping,
        limit: int | None,
        content_hash: str,
        started: datetime,
        t0: float,
        progress: Progress | None,
    ) -> BatchResult:
        con.execute("BEGIN")
        try:
            row = con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchone()
            batch_id = int(row[0]) if row else 1
            loads = []
            remaining = limit
            with _ProgressPoller(con, progress, sum(p.length for p in preps)):
                for i, prep in enumerate(preps):
                    if remaining is not None and remaining <= 0:
                        break
                    loader = FileLoader(
                        con,
                        dataset=dataset,
                        batch_id=batch_id,
                        mapping=mapping,
                        tag=f"{batch_id}_{i}",
                        limit=remaining,
                    )
                    load = loader.load(prep)
                    loads.append(load)
                    if remaining is not None:
                        remaining -= load.rows_read
            read = sum(x.rows_read for x in loads)
            ingested = sum(x.rows_ingested for x in loads)
            rejected = sum(x.rows_rejected for x in loads)
            files = self._files_json(preps[: len(loads)], loads)
            self._insert_batch(
                con,
                [
                    batch_id,
                    dataset,
                    label,
                    json.dumps(files),
                    read,
                    ingested,
                    rejected,
                    started,
                    datetime.now(UTC),
                    "ok",
                    content_hash,
                    None,
                ],
            )
            con.execute(
                "INSERT INTO datasets VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "identity_column = excluded.identity_column, mapping = excluded.mapping, "
                "format = excluded.format",
                [
                    dataset,
                    started,
                    mapping.identity,
                    mapping.canonical(),
                    next((p.plan.format for p in preps if not p.skipped), None),
                ],
            )
            con.execute("COMMIT")
        except BaseException as exc:
            with suppress(duckdb.Error):
                con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error) and not isinstance(exc, duckdb.InterruptException):
                raise LakeError(
                    "file",
                    f"DuckDB refused the batch: {str(exc).splitlines()[0]}; nothing was stored",
                ) from None
            raise
        return BatchResult(
            batch_id,
            dataset,
            read,
            ingested,
            rejected,
            False,
            time.perf_counter() - t0,
            content_hash,
            None,
            tuple(files),
            _notes(preps),
        )

    def ingest_rows(
        self,
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
        """Land a RowSample's rows (a table's or a stream's, from a RowSource) in ``dataset`` as
        one batch, with the same atomicity, idempotency and rejects accounting as files; types
        follow each column's platform type (see :mod:`.rows`)."""
        from .rows import ingest_rows

        return ingest_rows(self, sample, dataset, rows=rows, force=force, source=source,
                           source_label=source_label, progress=progress, mapping=mapping)

    # -- reading the lake ------------------------------------------------------------------------
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.connect(read_only=True) as con:
            cur = con.execute(sql, list(params))
            names = [d[0] for d in cur.description or ()]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def datasets(self) -> list[dict[str, Any]]:
        """Datasets with their identity column, row count, batch count and last batch time."""
        out = self._rows(
            "SELECT d.name, d.identity_column, d.format, d.created_at, "
            "count(b.batch_id) FILTER (WHERE b.status = 'ok') AS batches, "
            "max(b.finished_at) AS last_batch_at FROM datasets d LEFT JOIN batches b "
            "ON b.dataset = d.name GROUP BY ALL ORDER BY d.name"
        )
        with self.connect(read_only=True) as con:
            for d in out:
                row = con.execute(f"SELECT count(*) FROM {quote_ident(d['name'])}").fetchone()
                d["rows"] = int(row[0]) if row else 0
        return out

    def batches(self, dataset: str | None = None) -> list[dict[str, Any]]:
        """All batches (newest last), optionally of one dataset; ``files`` parsed from JSON."""
        where, params = (
            ("WHERE dataset = ?", [dataset_name(dataset)])
            if dataset
            else ("", [])
        )
        rows = self._rows(f"SELECT * FROM batches {where} ORDER BY batch_id", params)
        for r in rows:
            r["files"] = json.loads(r["files"]) if isinstance(r["files"], str) else r["files"]
        return rows

    def rejects(
        self, batch_id: int | None = None, *, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Rejected records, of one batch or all, in file order."""
        where, params = ("WHERE batch_id = ?", [batch_id]) if batch_id is not None else ("", [])
        cap = f" LIMIT {int(limit)}" if limit else ""
        return self._rows(
            f"SELECT * FROM rejects {where} ORDER BY batch_id, file, "
            f"coalesce(line, record), record{cap}",
            params,
        )

    def _check_dataset(self, con: duckdb.DuckDBPyConnection, dataset: str) -> str:
        name = dataset_name(dataset)
        row = con.execute("SELECT count(*) FROM datasets WHERE name = ?", [name]).fetchone()
        if not row or not row[0]:
            names = [
                r[0] for r in con.execute("SELECT name FROM datasets ORDER BY name").fetchall()
            ]
            raise LakeError(
                "dataset",
                f"no dataset {name!r} in {self.path}; "
                f"have: {', '.join(names) or '(none yet; run sourcedoctor ingest)'}",
            )
        return name

    def show(self, dataset: str, rows: int = 20) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and the first ``rows`` rows of a dataset (in ingest order)."""
        with self.connect(read_only=True) as con:
            name = self._check_dataset(con, dataset)
            cur = con.execute(f"SELECT * FROM {quote_ident(name)} LIMIT {max(int(rows), 0)}")
            return [d[0] for d in cur.description or ()], cur.fetchall()

    def export(self, dataset: str, path: str | os.PathLike[str], fmt: str, *,
               force: bool = False, field: str = "output") -> int:
        """Write a dataset to ``path`` as ``parquet`` or ``csv``; returns the row count.

        An existing ``path`` is refused unless ``force`` (the output rule, see ``outputs``);
        ``field`` names the option in that error.
        """
        if fmt not in ("parquet", "csv"):
            raise LakeError("format", "choose parquet or csv")
        try:
            with self.connect(read_only=True) as con:
                name = self._check_dataset(con, dataset)
                opts = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
                with staged_output(path, field, force=force) as tmp:
                    try:
                        con.execute(f"COPY {quote_ident(name)} TO {lit(str(tmp))} ({opts})")
                    except duckdb.Error as exc:
                        raise LakeError(
                            field, f"cannot write {path}: {str(exc).splitlines()[0]}"
                        ) from None
                row = con.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()
                return int(row[0]) if row else 0
        except OutputRefused as exc:
            raise LakeError(exc.field, exc.message) from None

    def tables(self) -> tuple[str, ...]:
        """The lake's own bookkeeping tables."""
        return METADATA_TABLES

    def record_fleet(self, sweep: dict[str, Any]) -> int:
        """Store one ``sourcedoctor fleet`` sweep (``sourcedoctor.fleet/1`` data) in ``fleet_results``,
        one row per connection, in one transaction. Returns the number of rows written."""
        started = sweep.get("started_at") or datetime.now(UTC).isoformat()
        rows = [
            (started, c["name"], c["url"], c["target"], c["verdict"], c.get("root_cause"),
             c.get("summary", ""), int(c.get("duration_ms", 0)), json.dumps(c.get("report", {})))
            for c in sweep.get("connections", [])
        ]
        with self.connect() as con:
            try:
                con.execute("BEGIN TRANSACTION")
                if rows:
                    con.executemany("INSERT INTO fleet_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                con.execute("COMMIT")
            except duckdb.Error as exc:
                raise LakeError("lake", f"cannot store fleet results: {str(exc).splitlines()[0]}") from None
        return len(rows)

    def fleet_history(self, name: str | None = None) -> list[dict[str, Any]]:
        """Stored fleet results, newest sweep first (without the full reports)."""
        where, params = ("WHERE name = ?", [name]) if name else ("", [])
        return self._rows(
            "SELECT sweep_started_at, name, url, target, verdict, root_cause, summary, duration_ms "
            f"FROM fleet_results {where} ORDER BY sweep_started_at DESC, name", params)


_expected_columns: dict[str, set[str]] = {}


def _bookkeeping_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """The columns the DDL gives each bookkeeping table, read from an in-memory database attached
    to ``con`` for the moment (a second DuckDB instance would cost tens of milliseconds)."""
    if not _expected_columns:
        home = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        probe = "sd_expected_ddl"
        con.execute(f"ATTACH ':memory:' AS {probe}")
        try:
            con.execute(f"USE {probe}")
            try:
                for ddl in DDL:
                    con.execute(ddl)
                found = con.execute(
                    "SELECT table_name, column_name FROM duckdb_columns() "
                    "WHERE database_name = ?", [probe]).fetchall()
            finally:
                con.execute('USE "{}"'.format(str(home).replace('"', '""')))
        finally:
            con.execute(f"DETACH {probe}")
        for table in METADATA_TABLES:
            _expected_columns[table] = {column for name, column in found if name == table}
    return _expected_columns


def _notes(preps: list[PreparedFile]) -> tuple[Finding, ...]:
    return tuple(f for p in preps for f in p.plan.notes)


def _size(item: Any) -> int:
    if isinstance(item, PreparedFile):
        return item.length
    path = item.path if isinstance(item, IngestPlan) else getattr(item, "path", item)
    try:
        return os.path.getsize(path)
    except (OSError, TypeError):
        return 0


class _ProgressPoller:
    """While a long DuckDB statement runs, report its progress (DuckDB releases the GIL)."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, progress: Progress | None, total: int
    ) -> None:
        self.con, self.progress, self.total = con, progress, max(total, 1)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        assert self.progress is not None
        while not self._stop.wait(0.2):
            with suppress(Exception):
                pct = float(self.con.query_progress())
                if pct >= 0:
                    self.progress(int(self.total * min(pct, 100.0) / 100), self.total)

    def __enter__(self) -> _ProgressPoller:
        if self.progress is not None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.progress is not None:
            self.progress(self.total, self.total)


def _stand_in_for_missing_tables(con: duckdb.DuckDBPyConnection) -> None:
    """A lake file whose bookkeeping tables were never committed (an ingest stopped while it
    created them, or an empty DuckDB file) reads as an empty lake: each missing table gets an
    empty temporary stand-in for this read-only connection, and the file is left untouched."""
    present = {row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary"
    ).fetchall()}
    for name, ddl in zip(METADATA_TABLES, DDL, strict=True):
        if name not in present:
            con.execute(ddl.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
