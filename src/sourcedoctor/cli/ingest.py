"""``sourcedoctor ingest (sftp://… | PATH) --dataset NAME``: land a preview batch in the lake.

Every file is sampled by the preview's sampler first, so the dataset gets the dialect and types
``sourcedoctor preview`` shows, and a file the lake cannot read is refused with the preview's
finding code before DuckDB is asked to read it.

Exit codes: 0 the batch landed (rejects included) or was already there; 1 the source cannot be
ingested as it is (a blocking data finding, or the diagnosis before the folder failed) or the lake
is busy; 2 bad input (option, missing file, mapping); 130 interrupted.

Only the sftp:// path imports the SSH stack (``sourcedoctor.api``); a local ingest never loads it.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from collections import Counter
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
import duckdb
from rich.console import Console

from ..exitcodes import ExitCode
from ..lake import (
    DEFAULT_ROWS,
    BatchResult,
    DataRefused,
    Lake,
    LakeBusy,
    LakeError,
    Mapping,
    Sampling,
    load_mapping,
)
from ..lake.names import dataset_name
from ..lake.remote import DEFAULT_MAX_BYTES
from ..lake.sampling import DEFAULT_HEAD
from ..model import Severity
from ..report.escape import for_terminal
from ..userfiles import kind_of
from . import result_written
from .options import (
    SETTINGS_KEY,
    TIMEOUT,
    connection_options,
    connection_values,
    read_secret_options,
    secret_options,
)
from .readback import is_interrupt, read_back

if TYPE_CHECKING:
    from rich.progress import Progress

_MAX_LOCAL_FILES = 1000


def parse_rows(value: str) -> int | None:
    """``--rows``: a count, or 0 / ``all`` for no cap (None)."""
    if value.strip().lower() in ("all", "0"):
        return None
    try:
        n = int(value)
    except ValueError:
        raise click.BadParameter("give a number of rows, or 0/all for no cap") from None
    if n < 0:
        raise click.BadParameter("must be 0 (no cap) or more")
    return n


def local_files(path: Path) -> list[Path]:
    """A file, or a folder's regular non-hidden files sorted by name (the platform's order)."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise LakeError("path", f"{path} holds no files")
        return files[:_MAX_LOCAL_FILES]
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise LakeError(
            "path", f"{path} does not exist; give a file, a folder or an sftp:// URL") from None
    except OSError as exc:
        raise LakeError("path", f"cannot read {path} ({exc.strerror}); check the path") from None
    # A FIFO, device or socket exists but is never read: it could block or never end.
    raise LakeError("path", f"{path} is {kind_of(mode)}, not a regular file or a folder; "
                    "give a file, a folder or an sftp:// URL")


def fail(console: Console, field: str, message: str, code: ExitCode = ExitCode.USAGE) -> None:
    console.print(for_terminal(f"error: {field}: {message}"), markup=False, soft_wrap=True)
    sys.exit(code)


@click.command("ingest")
@click.argument("source")
@click.option("--dataset", required=True, help="Dataset (table) to land the rows in; normalised.")
@click.option(
    "--rows",
    "rows_text",
    default=str(DEFAULT_ROWS),
    show_default=True,
    help="Most records read across the selected files; 0 or 'all' for no cap.",
)
@click.option(
    "--map",
    "map_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mapping file (TOML or JSON): rename, cast, drop, constants, identity.",
)
@click.option(
    "--target",
    type=click.Choice(["generic", "aep"]),
    default="generic",
    show_default=True,
    help="Rules of the platform that will connect.",
)
@click.option(
    "--lake",
    "lake_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Lake file (default: the user data directory's lake.duckdb).",
)
@click.option("--force", is_flag=True, help="Ingest even if the same content is already there.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json prints the batch result on stdout.",
)
@click.option(
    "--head-bytes",
    type=click.IntRange(4096, 64 << 20),
    default=DEFAULT_HEAD,
    show_default=True,
    help="Bytes of each file's head the preview sampler reads to decide format, dialect, types.",
)
@click.option("--file", "file_", help="Over SFTP: ingest this file of the folder only.")
@click.option(
    "--max-bytes",
    type=click.IntRange(1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Over SFTP: most bytes copied from one file.",
)
@click.option(
    "--timeout",
    type=TIMEOUT,
    default=10.0,
    show_default=True,
    help="Budget of each network step, in seconds.",
)
@secret_options
@connection_options
def command(
    source: str,
    dataset: str,
    rows_text: str,
    map_file: Path | None,
    target: str,
    lake_path: Path | None,
    force: bool,
    fmt: str,
    head_bytes: int,
    file_: str | None,
    max_bytes: int,
    timeout: float,
    **secret_opts: Any,
) -> None:
    """Ingest a bounded sample of SOURCE (a local file/folder, sftp://USER@HOST/FOLDER, or another
    connector's URL: s3://…, a database table postgresql://…?table=SCHEMA.TABLE) into the local
    lake as one batch: all rows land with their batch record, or nothing does. The same content
    again adds nothing unless --force."""
    err = Console(stderr=True, highlight=False)
    try:
        rows = parse_rows(rows_text)
    except click.BadParameter as exc:
        fail(err, "rows", exc.message)
    lake = Lake(lake_path)
    sampling = Sampling(target=target, head_bytes=head_bytes, timeout=timeout)
    started = datetime.now(UTC)
    try:
        from .guard import interrupted

        if interrupted():  # Ctrl+C while modules loaded, its exception lost in a callback
            raise KeyboardInterrupt
        # A reserved name or a lake path that is no lake is refused before anything is fetched.
        dataset_name(dataset)
        lake.check_file()
        mapping = load_mapping(map_file) if map_file else Mapping()
        show_bar = fmt == "text" and err.is_terminal
        with _progress(err, show_bar) as bar:
            remote = click.get_current_context().meta.get(SETTINGS_KEY)
            if remote is not None or source.lower().startswith("sftp://"):
                result = asyncio.run(
                    _ingest_remote(
                        lake,
                        remote if remote is not None else source,
                        dataset,
                        rows=rows,
                        mapping=mapping,
                        force=force,
                        sampling=sampling,
                        file_=file_,
                        max_bytes=max_bytes,
                        secret_opts=secret_opts,
                        progress=bar,
                        console=err,
                    )
                )
            else:
                files = local_files(Path(source))
                result = lake.ingest(
                    files,
                    dataset,
                    rows=rows,
                    mapping=mapping,
                    force=force,
                    progress=bar,
                    source_label=str(Path(source).resolve()),
                    sampling=sampling,
                )
    except DataRefused as exc:
        _refused(err, exc, fmt)
    except LakeBusy as exc:
        fail(err, exc.field, exc.message, ExitCode.FAILED)
    except LakeError as exc:
        fail(err, exc.field, exc.message)
    except (KeyboardInterrupt, RuntimeError, duckdb.Error) as exc:
        if not is_interrupt(exc):
            raise
        _interrupted(err, lake, dataset, started, fmt)
    try:
        _report(err, lake, result, fmt)
    except KeyboardInterrupt:
        _interrupted(err, lake, dataset, started, fmt)
    result_written()
    # Every row read was rejected: nothing landed, which is not a success (exit 1, like a failed
    # check), though the batch and its rejects are stored for inspection.
    nothing_landed = result.rows_read > 0 and result.rows_ingested == 0 and not result.skipped_duplicate
    sys.exit(ExitCode.FAILED if nothing_landed else ExitCode.OK)


def _interrupted(err: Console, lake: Lake, dataset: str, started: datetime, fmt: str) -> NoReturn:
    """Ctrl+C: say what the lake really holds (read back), exit 130."""
    back = read_back(lake, dataset, started)
    if fmt == "json":
        click.echo(json.dumps(back.as_dict(), indent=2, default=str))
    err.print(for_terminal(back.message()), markup=False, soft_wrap=True)
    sys.exit(ExitCode.INTERRUPTED)


def _report(err: Console, lake: Lake, result: BatchResult, fmt: str) -> None:
    reasons = (
        Counter(r["reason"] for r in lake.rejects(result.batch_id))
        if result.rows_rejected
        else Counter()
    )
    if fmt == "json":
        click.echo(
            json.dumps(
                {**result.as_dict(), "lake": str(lake.path), "rejects_by_reason": dict(reasons)},
                indent=2,
            )
        )
    else:
        _summary(err, lake, result, reasons)


def _refused(err: Console, exc: DataRefused, fmt: str) -> None:
    """A file the lake cannot read: the preview's finding(s) and fix, exit 1 (the command was
    right; the data must change)."""
    preview = (exc.preview_command if isinstance(exc, RemoteRefused)
               else shlex.join(["sourcedoctor", "preview", exc.label]))
    if fmt == "json":
        click.echo(
            json.dumps(
                {"refused": exc.label, "findings": [f.to_dict() for f in exc.findings],
                 "preview_command": preview}, indent=2
            )
        )
    # File names and summaries come from the source: control characters are shown, not obeyed.
    err.print(for_terminal(f"error: {exc.field}: {exc.message}"), markup=False, soft_wrap=True)
    for extra in exc.findings[1:]:
        err.print(for_terminal(f"  also {extra.code}: {extra.summary}"), markup=False,
                  soft_wrap=True)
    for step in exc.findings[0].fix:
        err.print(for_terminal(f"  fix: {step}"), markup=False, soft_wrap=True)
    err.print(for_terminal(f"  nothing was stored; see: {preview}"), markup=False, soft_wrap=True)
    sys.exit(ExitCode.FAILED)


class RemoteRefused(DataRefused):
    """A refused file of a remote source: ``label`` is its URL, ``preview_command`` opens it with
    ``sourcedoctor preview`` (its folder's URL and ``--file NAME``: preview takes a folder)."""

    def __init__(self, label: str, preview_command: str, refused: DataRefused) -> None:
        super().__init__(label, refused.findings)
        self.preview_command = preview_command


class _Bar:
    """progress(done, total) → a rich bar (bytes)."""

    def __init__(self, progress: Progress) -> None:
        self._p = progress
        self._task = progress.add_task("ingest", total=None)

    def __call__(self, done: int, total: int) -> None:
        self._p.update(self._task, completed=done, total=total)


def _progress(console: Console, enabled: bool) -> Any:
    if not enabled:
        return nullcontext(None)

    class _Ctx:
        def __enter__(self) -> _Bar:
            # Only a terminal shows a bar: scripts and the bench do not pay for importing it.
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeElapsedColumn

            self.p = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self.p.__enter__()
            return _Bar(self.p)

        def __exit__(self, *exc: object) -> None:
            self.p.__exit__(None, None, None)

    return _Ctx()


def _summary(err: Console, lake: Lake, r: BatchResult, reasons: Counter[str]) -> None:
    if r.skipped_duplicate:
        err.print(
            f"already ingested: batch {r.duplicate_of} of dataset {r.dataset} had the same "
            f"content, mapping and dataset — added 0 rows (recorded as batch {r.batch_id}); "
            "use --force to ingest it again",
            markup=False,
        )
        return
    err.print(f"batch {r.batch_id} → dataset {r.dataset} in {lake.path}", markup=False, soft_wrap=True)
    for note in r.notes:
        # The target decides the weight (a skipped archive member is a warning under generic,
        # a failure under aep): the marker says which, as the check report's do.
        mark = "✗" if note.severity >= Severity.FAIL else "!" if note.severity >= Severity.WARN else "i"
        err.print(for_terminal(f"  {mark} {note.code}: {note.summary}"), markup=False, soft_wrap=True)
    for f in r.files:
        if "relation" in f:  # rows of a table or a stream (lake/rows.py)
            more = {True: " (sample: more rows exist)", False: "", None: " (a stream: no end)"}
            err.print(for_terminal(f"  {f['relation']} ({f['source']}): read "
                                   f"{f.get('rows_read', 0)} row(s){more.get(f.get('more'), '')}"),
                      markup=False, soft_wrap=True)
            for line in f.get("notes", ()):
                err.print(for_terminal(f"  i {line}"), markup=False, soft_wrap=True)
            continue
        if f.get("skipped"):  # an archive entry that is not data (see docs/lake.md)
            err.print(for_terminal(f"  {f['file']}: skipped ({f['skipped']})"), markup=False)
            continue
        err.print(
            for_terminal(f"  {f['file']}: bytes {f['offset']}–{f['offset'] + f['length']}"
                         f"{'' if f['complete'] else ' (sample: file continues)'}, read "
                         f"{f.get('rows_read', 0)}"),
            markup=False,
        )
    err.print(
        f"  read {r.rows_read} · ingested {r.rows_ingested} · rejected {r.rows_rejected} "
        f"({r.duration:.2f} s)",
        markup=False,
    )
    if r.rows_read and not r.rows_ingested and not r.skipped_duplicate:
        err.print("  ✗ every row was rejected: nothing was ingested", markup=False)
    if reasons:
        by = ", ".join(f"{k} {v}" for k, v in reasons.most_common())
        err.print(
            f"  rejected by reason: {by} — see: sourcedoctor lake rejects {r.batch_id}"
            + (f" --lake {lake.path}" if lake.path != Lake().path else ""),
            markup=False,
        )


async def _ingest_remote(
    lake: Lake,
    url_or_settings: Any,
    dataset: str,
    *,
    rows: int | None,
    mapping: Mapping,
    force: bool,
    sampling: Sampling,
    file_: str | None,
    max_bytes: int,
    secret_opts: dict[str, Any],
    progress: Any,
    console: Console,
) -> BatchResult:
    """Ingest from a source URL: an ``sftp://`` URL (settings built here from the SFTP options),
    or another connector's settings built from its own options."""
    # The network stacks (asyncssh via api, a connector's SDK) load only on this path.
    from .. import api
    from ..config.urls import SettingsError
    from ..lake import ingest_from_source
    from ..lake.rows import ingest_from_row_source
    from ..sources.base import SourceError
    from ..sources.rows import RowSource

    if isinstance(url_or_settings, str):
        try:
            connection = connection_values(secret_opts)
            secrets = read_secret_options(url=url_or_settings, **secret_opts)
            for warning in secrets.warnings:
                console.print(f"warning: {warning}", markup=False, soft_wrap=True)
            settings = api.sftp_settings(url_or_settings, file=file_, **connection, **secrets.values)
        except SettingsError as exc:
            raise LakeError(exc.field, exc.message) from None
    else:
        settings = url_or_settings
    target, timeout = sampling.target, sampling.timeout
    label = str(api.connector_of(settings).target_block(settings, target)["url"])
    try:
        async with api.open_source(settings, target=target, timeout=timeout) as opened:
            if isinstance(opened.source, RowSource):  # a table or a topic: rows, not files
                # (no bar: it counts bytes; a row sample lands in one statement)
                return await ingest_from_row_source(
                    lake, opened.source, opened.relation, dataset, rows=rows, force=force,
                    source_label=label, mapping=mapping)
            if file_:
                folder = opened.folder.rstrip("/")
                paths = [f"{folder}/{file_}" if folder else file_]
            else:
                listing = await opened.source.list(opened.folder, limit=_MAX_LOCAL_FILES)
                paths = [e.path for e in listing.files if not e.name.startswith(".")]
                if not paths:
                    raise LakeError("folder", f"{label} holds no files to ingest")
            return await ingest_from_source(
                lake,
                opened.source,
                paths,
                dataset,
                rows=rows,
                mapping=mapping,
                force=force,
                progress=progress,
                source_label=label,
                max_bytes=max_bytes,
                sampling=sampling,
                folder=opened.folder,
            )
    except api.DiagnosisFailed as exc:
        root = exc.report.root_cause
        what = f"{root.code}: {root.summary}" if root else "the diagnosis did not pass"
        console.print(
            for_terminal(f"error: source: {api.redactor_for(settings).text(what)}; "
                         f"run: {api.reproduce_command(settings, target, timeout)}"),
            markup=False,
        )
        sys.exit(ExitCode.FAILED)
    except SourceError as exc:
        raise LakeError("source", f"{exc.kind} reading {exc.path}") from None
    except DataRefused as exc:
        raise _remote_refused(settings, label, exc, target, timeout) from None


def _remote_refused(settings: Any, label: str, exc: DataRefused, target: str,
                    timeout: float) -> DataRefused:
    """Say how to preview a refused remote file: the command that reruns the diagnosis on its
    folder's URL with ``--file NAME`` and the same secret options (``--…-env VAR``, never the
    secret), as ``sourcedoctor preview`` (it takes a folder and the connector's options).

    The lake labels a file as the folder URL + its path inside that folder
    (:func:`sourcedoctor.lake.remote.relative_path`).
    """
    from .. import api

    prefix = label.rstrip("/") + "/"
    if not exc.label.startswith(prefix):
        return exc
    name = exc.label[len(prefix):]
    command = api.reproduce_command(settings.model_copy(update={"file": name}), target, timeout)
    return RemoteRefused(exc.label, "sourcedoctor preview " + command.removeprefix(
        "sourcedoctor check "), exc)
