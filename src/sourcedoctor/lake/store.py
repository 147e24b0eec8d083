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

from .bounded import CappedFiles, PreparedFile, prepare_file
from .errors import LakeBusy, LakeError
from .mapping import Mapping
from .names import normalise_name, quote_ident
from .plan import IngestPlan, plan_for_path, plan_from_sample
from .readers import FileLoader, lit
from .sampling import Sampling
from .schema import DDL, METADATA_TABLES

if TYPE_CHECKING:
    from ..model import Finding
    from ..preview.model import SampleResult

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
        """Open the lake; a file locked by another process raises :class:`LakeBusy`."""
        if read_only and not self.path.exists():
            con = duckdb.connect()  # an empty lake reads as empty, without creating the file
            try:
                for ddl in DDL:
                    con.execute(ddl)
                yield con
            finally:
                con.close()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(self.path), read_only=read_only)
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
            yield con
        finally:
            con.close()

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
        name = normalise_name(dataset, kind="dataset")
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
            h.update(f"{p.digest}:{p.offset}:{p.length}\0".encode())
        return "sha256:" + h.hexdigest()

    @staticmethod
    def _duplicate(con: duckdb.DuckDBPyConnection, dataset: str, content_hash: str) -> int | None:
        row = con.execute(
            "SELECT min(batch_id) FROM batches WHERE dataset = ? AND content_hash = ? "
            "AND status = 'ok'",
            [dataset, content_hash],
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    @staticmethod
    def _files_json(
        preps: list[PreparedFile], loads: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        out = []
        for i, p in enumerate(preps):
            entry: dict[str, Any] = {
                "file": p.plan.label,
                "format": p.plan.format,
                "offset": p.offset,
                "length": p.length,
                "complete": p.complete,
            }
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
                    preps[0].plan.format if preps else None,
                ],
            )
            con.execute("COMMIT")
        except BaseException as exc:
            with suppress(duckdb.Error):
                con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
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
            ("WHERE dataset = ?", [normalise_name(dataset, kind="dataset")])
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
        name = normalise_name(dataset, kind="dataset")
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

    def export(self, dataset: str, path: str | os.PathLike[str], fmt: str) -> int:
        """Write a dataset to ``path`` as ``parquet`` or ``csv``; returns the row count."""
        if fmt not in ("parquet", "csv"):
            raise LakeError("format", "choose parquet or csv")
        with self.connect(read_only=True) as con:
            name = self._check_dataset(con, dataset)
            opts = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
            try:
                con.execute(f"COPY {quote_ident(name)} TO {lit(str(path))} ({opts})")
            except duckdb.Error as exc:
                raise LakeError(
                    "output", f"cannot write {path}: {str(exc).splitlines()[0]}"
                ) from None
            row = con.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()
            return int(row[0]) if row else 0

    def tables(self) -> tuple[str, ...]:
        """The lake's own bookkeeping tables."""
        return METADATA_TABLES


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
