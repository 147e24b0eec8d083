"""The engine as a library: the entry points the CLI and the TUI use, and so can you."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import platform
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import __version__, asyncssh_import  # noqa: F401  (first: asyncssh starts faster)
from .checks.base import Context, Plan
from .config.secrets import Redactor
from .connectors.sftp.settings import SettingsError, SftpSettings, build_settings, parse_sftp_url
from .model import Report, Status
from .runner import Runner, run_to_report
from .targets import get_target

if TYPE_CHECKING:
    from .connectors.base import Connector
    from .sources.base import FileSource
    from .sources.rows import Column as RowColumn  # noqa: F401
    from .sources.rows import (  # noqa: F401
        Relation,
        RelationListing,
        RowSample,
        RowSource,
        RowSourceError,
    )

#: The row types, for library users (``api.RowSource`` …): name here → name in sources.rows.
_ROW_TYPES = {"RowColumn": "Column", "Relation": "Relation", "RelationListing": "RelationListing",
              "RowSample": "RowSample", "RowSource": "RowSource", "RowSourceError": "RowSourceError"}


def __getattr__(name: str) -> Any:
    # The row types load when first asked for: a file source's check never needs them (~4 ms).
    if name in _ROW_TYPES:
        from .sources import rows

        value = getattr(rows, _ROW_TYPES[name])
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: The run's overall deadline, as a multiple of the per-step timeout (--timeout). Layers run one
#: after the other, so the sum of the budgets of one path through the plan, with headroom.
DEADLINE_STEPS = 12.0


def tool_info() -> dict[str, Any]:
    """Versions that matter when a report is read later (from package metadata: no imports)."""
    from importlib import metadata

    versions: dict[str, Any] = {"sourcedoctor": __version__, "python": sys.version.split()[0]}
    for dist, module in (("asyncssh", "asyncssh"), ("cryptography", "cryptography"),
                         ("dnspython", "dns.version"), ("duckdb", "duckdb"),
                         ("paramiko", "paramiko"), ("textual", "textual")):
        # A module already loaded knows its version; asking the package metadata costs a scan
        # of site-packages (tens of ms at start-up).
        loaded = getattr(sys.modules.get(module), "__version__", None) or getattr(
            sys.modules.get(module), "version", None)
        if isinstance(loaded, str):
            versions[dist] = loaded
            continue
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # an optional library missing is a fact
            versions[dist] = None
    versions["platform"] = platform_string()
    return versions


def platform_string() -> str:
    """``platform.platform()``, without the ``uname -p`` process it starts on Linux (~10 ms, at
    the end of a loopback run): there the processor is "unknown" or the machine again, and
    ``platform()`` leaves it out either way, so the string is made from the other fields."""
    if not sys.platform.startswith("linux"):
        return platform.platform()
    u = platform.uname()  # its processor field is computed only when read
    libc, version = platform.libc_ver()
    text = "-".join(part.strip() for part in (u.system, u.release, u.machine, "with", libc + version)
                    if part)
    # platform()'s clean-up: a string fit for a file name, "unknown" dropped, no "--".
    text = text.replace(" ", "_").translate(str.maketrans('/\\:;"()', "-------")).replace(
        "unknown", "")
    while "--" in text:
        text = text.replace("--", "-")
    return text.rstrip("-")


def connectors() -> list[str]:
    """The installed connectors' names (``sftp``, ``s3`` …), without importing any of them."""
    from . import connectors as registry

    return registry.names()


def connector_for(url: str) -> Connector:
    """The connector that owns ``url``'s scheme; raises SettingsError naming the URL otherwise."""
    from . import connectors as registry

    try:
        return registry.for_url(url)
    except registry.UnknownConnector as exc:
        raise SettingsError("url", str(exc)) from None


def connector_of(settings: Any) -> Connector:
    """The connector whose settings model ``settings`` is an instance of."""
    from . import connectors as registry

    return registry.connector_of(settings)


def settings(url: str | None = None, *, connector: str | None = None, **values: Any) -> Any:
    """Settings from a URL (the scheme picks the connector) and/or field values (then name the
    ``connector``, default ``sftp``); raises SettingsError naming the field."""
    from . import connectors as registry

    owner = connector_for(url) if url else registry.get(connector or "sftp")
    return owner.settings(url, **values)


def sftp_settings(url: str | None = None, **values: Any) -> SftpSettings:
    """Settings from an ``sftp://`` URL and/or fields; raises SettingsError naming the field."""
    merged: dict[str, Any] = parse_sftp_url(url) if url else {}
    merged.update({k: v for k, v in values.items() if v is not None})
    return build_settings(**merged)


def redactor_for(settings: Any, *, redact_hosts: bool = False) -> Redactor:
    """A Redactor that knows every secret in these settings (and, with ``redact_hosts``, the
    host and user to pseudonymise) — for any connector's settings."""
    return connector_of(settings).redactor(settings, redact_hosts=redact_hosts)


def reproduce_command(settings: Any, target: str, timeout: float) -> str:
    """The ``sourcedoctor check`` command line for these settings, without any secret."""
    return connector_of(settings).reproduce(settings, target, timeout)


_prefetched = threading.Event()


def _prefetch(plan: Plan, settings: Any) -> Callable[[], dict[str, Any]]:
    """In a background thread while the network layers run: each check's own imports
    (:meth:`~sourcedoctor.checks.base.Check.warm_up`, in plan order: SFTP's paramiko, needed
    early), then the data sniffers (DuckDB, charset-normalizer: ~0.1 s), so the sample layer does
    not pay for them at the end of the run, then :func:`tool_info` (package metadata: a few ms).
    Once per process. Returns what gives the tool information when the report is made."""
    if _prefetched.is_set():
        return tool_info
    _prefetched.set()
    gathered: list[dict[str, Any]] = []

    def load() -> None:
        for check in plan:
            with contextlib.suppress(Exception):  # the check imports again and reports errors
                check.warm_up(settings)
        with contextlib.suppress(Exception):  # the sample layer imports again and reports errors
            importlib.import_module("sourcedoctor.preview.sample")
            # and opens the sniffing database (~25 ms) now rather than at the first sample
            importlib.import_module("sourcedoctor.preview.delimited").warm_up()
        with contextlib.suppress(Exception):  # else the report asks tool_info() itself
            gathered.append(tool_info())

    def tool() -> dict[str, Any]:
        # A run that ended early (a refused port) does not wait for DuckDB to load.
        return gathered[0] if gathered else tool_info()

    # Not a daemon: the interpreter's exit waits for it (~0.1 s at most). A daemon thread still
    # inside DuckDB's C++ when the interpreter finalises is unwound through C++ code that catches
    # everything — "terminate called… FATAL: exception not rethrown", exit 134 (fleet run aborted
    # in 4 runs of 10 against a refused port). Started at once: started later (at the login,
    # which waits longest on the server), the sample layer waited for it (measured: the engine
    # ~25 ms slower on loopback, though the first layers ran faster).
    threading.Thread(target=load, name="prefetch", daemon=False).start()
    return tool


def runner(
    settings: Any,
    *,
    target: str = "generic",
    timeout: float = 10.0,
    stop_after: str | None = None,
    dns_cache: Any = None,
) -> Runner:
    """A Runner for the whole diagnosis of any connector's settings (or the plan up to and
    including ``stop_after``). ``dns_cache`` (a :class:`sourcedoctor.checks.dns.DnsCache`) shares
    DNS answers between runs."""
    connector = connector_of(settings)
    profile = get_target(target)
    plan = connector.plan(settings, profile)
    if stop_after is not None:
        ids = [c.id for c in plan]
        plan = plan[: ids.index(stop_after) + 1]
    # After the plan's imports, not beside them: both would only take turns on the GIL. Beside
    # the network layers the sniffers load while the run waits for the server.
    tool = _prefetch(plan, settings)
    ctx: Context[Any, Any] = Context(
        settings=settings, state=connector.new_state(settings), target=profile,
        step_timeout=timeout, dns_cache=dns_cache,
    )
    return Runner(
        plan,
        ctx,
        deadline=timeout * DEADLINE_STEPS,
        tool=tool,
        target=connector.target_block(settings, target),
        command=connector.reproduce(settings, target, timeout),
        extras=lambda: {"transcript": ctx.transcript.lines()},
        audiences=connector.audiences,
    )


async def diagnose(settings: Any, *, target: str = "generic", timeout: float = 10.0) -> Report:
    """Run the whole diagnosis and return the report."""
    return await run_to_report(runner(settings, target=target, timeout=timeout))


def diagnose_sync(settings: Any, **kwargs: Any) -> Report:
    """Blocking convenience wrapper around :func:`diagnose`."""
    return asyncio.run(diagnose(settings, **kwargs))


class DiagnosisFailed(Exception):
    """Raised by :func:`open_source` when a layer before the data failed."""

    def __init__(self, report: Report) -> None:
        root = report.root_cause
        super().__init__(f"{root.code}: {root.summary}" if root else "diagnosis did not pass")
        self.report = report


@dataclass
class OpenSource:
    """A live, diagnosed source: read files through ``source``; ``folder`` is as the source
    resolved it (an SFTP server's real path, a bucket's prefix).

    For a database or a stream, ``source`` is a :class:`RowSource` (test with
    ``isinstance(opened.source, RowSource)``), ``folder`` is ``""`` and ``relation`` is the
    relation the settings name (``public.orders``, a topic), or None when they name none (then
    list them with ``source.relations()``). For a FileSource ``relation`` is always None."""

    source: FileSource | RowSource
    folder: str
    report: Report
    relation: str | None = None


@asynccontextmanager
async def open_source(
    settings: Any, *, target: str = "generic", timeout: float = 10.0
) -> AsyncIterator[OpenSource]:
    """Diagnose up to the connector's source layer and keep the source open for preview, ingest
    and browse. Raises :class:`DiagnosisFailed` (with the report) when a layer up to it failed."""
    connector = connector_of(settings)
    run = runner(settings, target=target, timeout=timeout, stop_after=connector.source_layer)
    run.close_resources = False  # the connection outlives the run; closed below
    try:
        report = await run_to_report(run)
        failed = [r for r in report.checks if r.status >= Status.FAIL or
                  (r.status == Status.SKIP and r.blocked_by)]
        from .sources.rows import RowSource

        source, folder = connector.source_of(run.ctx.state)
        if failed or source is None:
            raise DiagnosisFailed(report)
        if isinstance(source, RowSource):  # (RowSource, relation or None): rows, not files
            yield OpenSource(source, "", report, relation=folder or None)
            return
        if folder is None:
            raise DiagnosisFailed(report)
        yield OpenSource(source, folder, report)
    finally:
        await run.ctx.aclose()


# The SFTP-named entry points of the first release, kept as aliases for one release.
sftp_runner = runner
diagnose_sftp = diagnose
diagnose_sftp_sync = diagnose_sync
open_sftp_source = open_source


def settings_failure_report(exc: SettingsError) -> Report:
    """A report for settings that failed validation before any network use (``config.invalid``)."""
    from .codes import make_finding
    from .model import CheckResult, Verdict, find_root_cause
    from .runner import REPORT_SCHEMA

    finding = make_finding(
        "config.invalid", f"{exc.field}: {exc.message}", evidence={"field": exc.field},
        field=exc.field)
    result = CheckResult("config.settings", "Connection settings", Status.FAIL, findings=(finding,))
    return Report(
        schema=REPORT_SCHEMA, tool=tool_info(), target={}, started_at="", duration_ms=0,
        verdict=Verdict.FAIL, root_cause=find_root_cause((result,)), checks=(result,),
    )
