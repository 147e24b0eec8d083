"""``sourcedoctor fleet FILE``: diagnose every connection of a TOML/CSV file at once; ``fleet diff``;
``fleet history`` (stored sweeps, or a read-only SQL query over them).

Progress goes to stderr (a live table on a terminal, one plain line per connection when piped); the
summary — or, with ``--format json|md|html``, the whole sweep with every connection's report — goes
to stdout or ``--output``. Results are also stored in the lake (table ``fleet_results``) so the
history can be queried with SQL, unless ``--no-lake``.
Exit codes: 0 every connection passed (warnings allowed), 1 one failed, 2 usage, 130 interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from ..exitcodes import ExitCode
from ..report.escape import for_terminal
from .options import TIMEOUT


class _FleetGroup(click.Group):
    """``fleet FILE`` runs the sweep; ``fleet diff OLD NEW`` compares two sweeps."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group("fleet", cls=_FleetGroup, context_settings={"help_option_names": ["-h", "--help"]})
def command() -> None:
    """Diagnose many connections at once from a TOML or CSV file (`fleet FILE`), compare two
    sweeps (`fleet diff OLD.json NEW.json`), or query stored sweeps (`fleet history`). See
    docs/fleet.md."""


@command.command("run")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--parallel", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Connections diagnosed at the same time, overall.")
@click.option("--per-host", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Parallel connections one server may see (SFTP: never above its max_connections); "
                   "each diagnosis takes its own peak from it (docs/fleet.md).")
@click.option("--timeout", type=TIMEOUT, default=10.0, show_default=True,
              help="Budget of each network step, in seconds (a connection's own timeout wins).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md", "html"]), default="text",
              show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the result here.")
@click.option("--force", is_flag=True, help="Replace an existing --output file.")
@click.option("--lake", "lake_path", type=click.Path(path_type=Path),
              help="Lake to store the results in (default: the user's lake).")
@click.option("--no-lake", is_flag=True, help="Do not store the results in the lake.")
@click.option("--redact-hosts", is_flag=True, help="Pseudonymise host, IP and user names in the output.")
@click.option("--no-prompt", is_flag=True, help="Never prompt; *_prompt secrets stay unresolved.")
def run(file: Path, parallel: int, per_host: int, timeout: float, fmt: str, output: Path | None,
        force: bool, lake_path: Path | None, no_lake: bool, redact_hosts: bool, no_prompt: bool) -> None:
    """Diagnose every connection in FILE (.toml or .csv): any connector's URL with that
    connector's check options, secrets only by reference (see docs/fleet.md for the keys)."""
    from ..fleet.credentials import resolve_secrets
    from ..fleet.inventory import InventoryError, load_inventory
    from ..outputs import OutputRefused, claim_output
    from ..userfiles import UserFileError

    err = Console(stderr=True, highlight=False)
    try:
        entries = load_inventory(file)
        if output is not None:
            claim_output(output, "--output", force=force)
    except (InventoryError, UserFileError, OutputRefused) as exc:
        err.print(f"error: {for_terminal(exc)}", markup=False)
        sys.exit(ExitCode.USAGE)
    interactive = not no_prompt and sys.stdin.isatty() and sys.stderr.isatty()
    asked: set[str] = set()

    def prompt(label: str) -> str | None:
        if not interactive or label in asked:
            return None
        asked.add(label)
        answer: str = click.prompt(f"{label} (used by every connection that names it)", default="",
                                   hide_input=True, show_default=False, err=True)
        return answer or None

    secrets = resolve_secrets(entries, prompt=prompt)
    data = asyncio.run(_sweep(entries, secrets, parallel=parallel, per_host=per_host, timeout=timeout,
                              redact_hosts=redact_hosts, console=err))
    _emit(data, fmt, output, force, err)
    if not no_lake:
        _store(data, lake_path, err)
    if data["interrupted"]:
        sys.exit(ExitCode.INTERRUPTED)
    bad = {"fail", "error", "incomplete"}
    sys.exit(ExitCode.FAILED if any(c["verdict"] in bad for c in data["connections"]) else ExitCode.OK)


async def _sweep(entries: Any, secrets: Any, *, parallel: int, per_host: int, timeout: float,
                 redact_hosts: bool, console: Console) -> dict[str, Any]:
    from ..fleet.render import plain_line
    from ..fleet.run import ConnectionFinished, ConnectionStarted, FleetFinished, FleetRun
    from ..fleet.summary import fleet_dict

    fleet = FleetRun(entries, secrets, parallel=parallel, per_host=per_host, default_timeout=timeout,
                     redact_hosts=redact_hosts)
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, fleet.cancel)
        loop.add_signal_handler(signal.SIGTERM, fleet.cancel)
    progress = _Progress(len(entries), console)
    try:
        with Live(progress.table(), console=console, transient=True, refresh_per_second=4,
                  auto_refresh=console.is_terminal) as live:
            if not console.is_terminal:
                live.stop()
            async for event in fleet.events():
                if isinstance(event, ConnectionStarted):
                    progress.running.add(event.name)
                elif isinstance(event, ConnectionFinished):
                    item = event.item.to_dict()
                    progress.finish(item)
                    if not console.is_terminal:
                        console.print(plain_line(item, event.done, event.total), markup=False)
                elif isinstance(event, FleetFinished):
                    return fleet_dict(event.result)
                if console.is_terminal:
                    live.update(progress.table())
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
            loop.remove_signal_handler(signal.SIGTERM)
    raise RuntimeError("fleet ended without a result")  # pragma: no cover


class _Progress:
    """The live table: counts so far, the connections running, the last ones finished."""

    def __init__(self, total: int, console: Console) -> None:
        self.total = total
        self.console = console
        self.running: set[str] = set()
        self.finished: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}

    def finish(self, item: dict[str, Any]) -> None:
        self.running.discard(item["name"])
        self.finished.append(item)
        self.counts[item["verdict"]] = self.counts.get(item["verdict"], 0) + 1

    def table(self) -> Table:
        from ..report.escape import for_terminal

        counts = ", ".join(f"{n} {v}" for v, n in sorted(self.counts.items()))
        table = Table(title=f"{len(self.finished)}/{self.total} done · {len(self.running)} running"
                      + (f" · {counts}" if counts else ""), expand=False)
        for column in ("connection", "verdict", "root cause", "time"):
            table.add_column(column)
        for item in self.finished[-12:]:
            table.add_row(for_terminal(item["name"]), item["verdict"], item.get("root_cause") or "",
                          f"{item['duration_ms']} ms")
        for name in sorted(self.running)[:8]:
            table.add_row(for_terminal(name), "…", "", "")
        return table


def _emit(data: dict[str, Any], fmt: str, output: Path | None, force: bool, err: Console) -> None:
    from ..fleet.render import text_summary, to_html, to_markdown
    from ..outputs import OutputRefused, write_output

    if fmt == "text":
        text = "\n".join(text_summary(data)) + "\n"
    elif fmt == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "md":
        text = to_markdown(data)
    else:
        text = to_html(data)
    if output is None:
        _to_stdout(err, text)
        return
    try:
        write_output(output, text, "--output", force=force)
    except OutputRefused as exc:
        err.print(f"error: {for_terminal(exc)}", markup=False)
        sys.exit(ExitCode.USAGE)
    err.print(f"fleet result written to {output}", markup=False)


def _store(data: dict[str, Any], lake_path: Path | None, err: Console) -> None:
    from ..lake import Lake
    from ..lake.errors import LakeError

    try:
        lake = Lake(lake_path)
        stored = lake.record_fleet(data)
    except LakeError as exc:
        err.print(f"warning: results not stored in the lake: {for_terminal(exc)}", markup=False)
        return
    err.print(f"stored {stored} results in {lake.path} (table fleet_results)", markup=False)


@command.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff(old: Path, new: Path, fmt: str) -> None:
    """Say which connections broke, recovered or changed cause between two `fleet --format json`
    results. Exit 1 when something broke."""
    from ..fleet.diff import diff_fleets, diff_lines
    from ..fleet.run import FLEET_SCHEMA
    from ..userfiles import REPORT_LIMIT, UserFileError, read_user_file

    err = Console(stderr=True, highlight=False)
    docs = []
    for label, path in (("OLD", old), ("NEW", new)):
        try:
            doc = json.loads(read_user_file(path, label, limit=REPORT_LIMIT, what="a fleet result"))
        except UserFileError as exc:
            err.print(f"error: {for_terminal(exc)}", markup=False)
            sys.exit(ExitCode.USAGE)
        except (ValueError, RecursionError):
            err.print(f"error: {label}: {path} is not JSON; give a `fleet --format json` result",
                      markup=False)
            sys.exit(ExitCode.USAGE)
        if not isinstance(doc, dict) or doc.get("schema") != FLEET_SCHEMA or not isinstance(
                doc.get("connections"), list):
            err.print(f"error: {label}: {path} is not a fleet result ({FLEET_SCHEMA})", markup=False)
            sys.exit(ExitCode.USAGE)
        docs.append(doc)
    try:
        result = diff_fleets(docs[0], docs[1])
    except (KeyError, TypeError):
        err.print("error: a fleet result lacks names or verdicts; give `fleet --format json` output",
                  markup=False)
        sys.exit(ExitCode.USAGE)
    if fmt == "json":
        _to_stdout(err, json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        _to_stdout(err, "\n".join(for_terminal(line) for line in diff_lines(result)) + "\n")
    sys.exit(ExitCode.FAILED if result.worse else ExitCode.OK)


#: Rows `fleet history` prints at most (a query over years of sweeps stays readable).
HISTORY_ROWS = 1000


@command.command("history")
@click.argument("name", required=False)
@click.option("--sql", "query", help="A read-only SQL query over the lake (table fleet_results).")
@click.option("--lake", "lake_path", type=click.Path(path_type=Path),
              help="Lake to read (default: the user's lake).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def history(name: str | None, query: str | None, lake_path: Path | None, fmt: str) -> None:
    """Stored sweeps, newest first (one connection's with NAME), or the rows of a read-only SQL
    query (--sql) over the lake's fleet_results table."""
    import duckdb

    from ..lake import Lake
    from ..lake.errors import LakeError

    err = Console(stderr=True, highlight=False)
    if name and query:
        err.print("error: give NAME or --sql, not both", markup=False)
        sys.exit(ExitCode.USAGE)
    if query is not None and not query.strip(" \t\r\n;"):  # DuckDB answers nothing to run
        err.print("error: --sql: is empty; give a query, e.g. SELECT * FROM fleet_results",
                  markup=False)
        sys.exit(ExitCode.USAGE)
    lake = Lake(lake_path)
    try:
        if query is None:
            rows = lake.fleet_history(name)
        else:
            with lake.connect(read_only=True) as con:
                # The query reads the lake only: no file outside it, no extension (read-only).
                con.execute("SET enable_external_access = false")
                cursor = con.execute(query)
                columns = [d[0] for d in cursor.description or ()]
                rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchmany(HISTORY_ROWS)]
    except LakeError as exc:
        err.print(f"error: {for_terminal(exc)}", markup=False)
        sys.exit(ExitCode.USAGE)
    except duckdb.Error as exc:
        err.print(f"error: --sql: {for_terminal(str(exc).splitlines()[0] if str(exc) else exc)}",
                  markup=False)
        sys.exit(ExitCode.USAGE)
    if fmt == "json":
        text = json.dumps(rows[:HISTORY_ROWS], indent=2, default=str) + "\n"
    elif not rows:
        text = "no stored fleet results" + (f" for {for_terminal(name)}" if name else "") + "\n"
    else:
        columns = list(rows[0])
        lines = ["\t".join(columns)]
        lines += ["\t".join(for_terminal("" if r[c] is None else str(r[c])) for c in columns)
                  for r in rows[:HISTORY_ROWS]]
        text = "\n".join(lines) + "\n"
    _to_stdout(err, text)


def _to_stdout(err: Console, text: str) -> None:
    """Write ``text`` to stdout; a full disk or closed pipe is one usage-error line (exit 2)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        err.print(f"error: cannot write to stdout ({exc.strerror})", markup=False)
        sys.exit(ExitCode.USAGE)
