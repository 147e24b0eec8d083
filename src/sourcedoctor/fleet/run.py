"""Diagnose many connections at once: bounded overall and per server, one DNS cache, Ctrl+C-safe.

``FleetRun.events()`` yields :class:`ConnectionStarted` / :class:`ConnectionFinished` as they
happen and ends with one :class:`FleetFinished` holding every result — also after
:meth:`FleetRun.cancel`, when the connections still running are stopped (their partial reports are
kept, marked interrupted) and the ones not started are listed as not run.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from .. import api
from ..checks.dns import DnsCache
from ..config.secrets import Redactor
from ..config.urls import SettingsError
from ..model import Report
from ..report.redaction import redacted_view
from ..runner import Runner
from ..targets import get_target
from .credentials import Unresolved
from .inventory import FleetEntry, SecretRef
from .limits import ServerLimits, peak_connections

FLEET_SCHEMA = "sourcedoctor.fleet/1"
DEFAULT_PARALLEL = 16
DEFAULT_PER_HOST = 2


@dataclass(frozen=True)
class FleetItem:
    """One connection's outcome, redacted and ready to summarise or store."""

    name: str
    url: str
    target: str
    verdict: str
    root_cause: str | None
    summary: str
    duration_ms: int
    server: str
    report: Mapping[str, Any] = field(default_factory=dict)
    #: Plain facts that help group failures (key file and its mtime, resolver); no secrets.
    hints: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "target": self.target, "verdict": self.verdict,
                "root_cause": self.root_cause, "summary": self.summary,
                "duration_ms": self.duration_ms, "server": self.server, "hints": dict(self.hints),
                "report": dict(self.report)}


@dataclass(frozen=True)
class ConnectionStarted:
    name: str


@dataclass(frozen=True)
class ConnectionFinished:
    item: FleetItem
    done: int
    total: int


@dataclass(frozen=True)
class FleetResult:
    """The whole sweep: every connection's item, the ones not run, and the limits observed."""

    started_at: str
    duration_ms: int
    items: tuple[FleetItem, ...]
    not_run: tuple[str, ...] = ()
    interrupted: bool = False
    parallel: int = DEFAULT_PARALLEL
    per_host: int = DEFAULT_PER_HOST
    #: Most connections held at once per server (by our own accounting).
    server_high_water: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FleetFinished:
    result: FleetResult


FleetEvent = ConnectionStarted | ConnectionFinished | FleetFinished


@dataclass
class _Prepared:
    entry: FleetEntry
    settings: Any = None
    redactor: Redactor = field(default_factory=Redactor)
    error: SettingsError | None = None
    server: str = ""
    peak: int = 1


def _server_of(settings: Any) -> str:
    return f"{str(settings.host).lower()}:{settings.port}"


class FleetRun:
    """One sweep over ``entries``. ``secrets`` maps each reference to its resolved value."""

    def __init__(
        self,
        entries: list[FleetEntry],
        secrets: Mapping[SecretRef, SecretStr | Unresolved],
        *,
        parallel: int = DEFAULT_PARALLEL,
        per_host: int = DEFAULT_PER_HOST,
        default_timeout: float = 10.0,
        redact_hosts: bool = False,
        runner_factory: Callable[..., Runner] | None = None,
    ) -> None:
        if parallel < 1 or per_host < 1:
            raise ValueError("parallel and per_host must be at least 1")
        self.entries = entries
        self.secrets = secrets
        self.parallel = parallel
        self.per_host = per_host
        self.default_timeout = default_timeout
        self.redact_hosts = redact_hosts
        self.dns_cache = DnsCache()
        self.limits = ServerLimits(per_host)
        self._runner_factory = runner_factory or api.sftp_runner
        self._cancel = asyncio.Event()
        self._runners: set[Runner] = set()

    def cancel(self) -> None:
        """Stop: running diagnoses end with partial reports, the rest are not started."""
        self._cancel.set()
        for runner in list(self._runners):
            runner.cancel()

    # -- preparation ----------------------------------------------------------------------------

    def _prepare(self, entry: FleetEntry) -> _Prepared:
        prepared = _Prepared(entry)
        values: dict[str, Any] = {k: v for k, v in entry.options.items()
                                  if k not in ("target", "timeout", "key")}
        if "key" in entry.options:
            values["key_path"] = entry.options["key"]
        for fld, ref in (("password", entry.password), ("passphrase", entry.passphrase)):
            if ref is None:
                continue
            secret = self.secrets.get(ref)
            if secret is None or isinstance(secret, Unresolved):
                prepared.error = SettingsError(fld, str(secret or f"{ref.describe()} was not resolved"))
                return prepared
            values[fld] = secret
        try:
            get_target(entry.target)
            prepared.settings = api.sftp_settings(entry.url, **values)
        except SettingsError as exc:
            prepared.error = exc
            return prepared
        except ValueError as exc:  # an unknown target name
            prepared.error = SettingsError("target", str(exc))
            return prepared
        prepared.redactor = api.redactor_for(prepared.settings, redact_hosts=self.redact_hosts)
        prepared.server = _server_of(prepared.settings)
        prepared.peak = peak_connections(prepared.settings.max_connections,
                                         get_target(entry.target).chunked_reads)
        self.limits.configure(prepared.server, prepared.settings.max_connections, prepared.peak)
        return prepared

    # -- running --------------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[FleetEvent]:
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        t0 = time.monotonic()
        prepared = [self._prepare(e) for e in self.entries]
        queue: asyncio.Queue[FleetEvent] = asyncio.Queue()
        gate = asyncio.Semaphore(self.parallel)
        items: list[FleetItem] = []
        not_run: list[str] = []
        total = len(prepared)

        async def one(p: _Prepared) -> None:
            async with gate:
                if self._cancel.is_set():
                    not_run.append(p.entry.name)
                    return
                if p.error is not None:
                    item = self._item(p, api.settings_failure_report(p.error), 0)
                else:
                    async with self.limits.for_server(p.server).hold(p.peak):
                        if self._cancel.is_set():
                            not_run.append(p.entry.name)
                            return
                        await queue.put(ConnectionStarted(p.entry.name))
                        item = await self._diagnose(p)
                items.append(item)
                await queue.put(ConnectionFinished(item, len(items), total))

        tasks = [asyncio.ensure_future(one(p)) for p in prepared]
        waiter = asyncio.ensure_future(asyncio.gather(*tasks, return_exceptions=True))
        try:
            while not (waiter.done() and queue.empty()):
                getter = asyncio.ensure_future(queue.get())
                pending: set[asyncio.Future[Any]] = {getter, waiter}
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield getter.result()
                else:
                    getter.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await getter
        finally:
            if not waiter.done():
                self.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        order = {e.name: i for i, e in enumerate(self.entries)}
        items.sort(key=lambda it: order[it.name])
        yield FleetFinished(FleetResult(
            started_at=started_at, duration_ms=int((time.monotonic() - t0) * 1000),
            items=tuple(items), not_run=tuple(sorted(not_run, key=order.__getitem__)),
            interrupted=self._cancel.is_set(), parallel=self.parallel, per_host=self.per_host,
            server_high_water=self.limits.high_water(),
        ))

    async def _diagnose(self, p: _Prepared) -> FleetItem:
        timeout = float(p.entry.options.get("timeout", self.default_timeout))
        runner = self._runner_factory(p.settings, target=p.entry.target, timeout=timeout,
                                      dns_cache=self.dns_cache)
        self._runners.add(runner)
        t0 = time.monotonic()
        try:
            report: Report | None = None
            async for event in runner.events():
                report = getattr(event, "report", report)
        finally:
            self._runners.discard(runner)
        assert report is not None  # the runner always ends with RunFinished
        return self._item(p, report, int((time.monotonic() - t0) * 1000))

    def _item(self, p: _Prepared, report: Report, duration_ms: int) -> FleetItem:
        view = redacted_view(report, p.redactor)
        root = view.get("root_cause") or {}
        return FleetItem(
            name=p.entry.name,
            url=str(view.get("target", {}).get("url") or p.redactor.text(p.entry.url)),
            target=p.entry.target, verdict=str(view["verdict"]), root_cause=root.get("code"),
            summary=str(root.get("summary", "")), duration_ms=duration_ms or int(view["duration_ms"]),
            server=_server_in(view),
            report=view, hints=_hints(p),
        )


def _server_in(view: Mapping[str, Any]) -> str:
    """``host:port`` as the (redacted) report names it; empty for settings that never parsed."""
    target = view.get("target") or {}
    return f"{target['host']}:{target.get('port', '')}" if target.get("host") else ""


def _hints(p: _Prepared) -> dict[str, Any]:
    """Facts that connections failing together may share (shown as "probably …" in the summary)."""
    hints: dict[str, Any] = {}
    key = p.entry.options.get("key")
    if isinstance(key, str):
        hints["key"] = key
        with contextlib.suppress(OSError):
            import os

            hints["key_modified"] = datetime.fromtimestamp(os.stat(key).st_mtime, UTC).date().isoformat()
    for name in ("resolver", "known_hosts"):
        if isinstance(p.entry.options.get(name), str):
            hints[name] = p.entry.options[name]
    if p.entry.password is not None:
        hints["password_from"] = p.entry.password.describe()
    return hints
