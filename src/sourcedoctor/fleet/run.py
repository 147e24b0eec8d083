"""Diagnose many connections at once: bounded overall and per server, one DNS cache, Ctrl+C-safe.

``FleetRun.events()`` yields :class:`ConnectionStarted` / :class:`ConnectionFinished` as they
happen and ends with one :class:`FleetFinished` holding every result — also after
:meth:`FleetRun.cancel`, when the connections still running are stopped (their partial reports are
kept, marked interrupted) and the ones not started are listed as not run.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from .. import api, connbudget
from ..checks.dns import DnsCache
from ..config.secrets import Redactor
from ..config.urls import SettingsError
from ..connectors.common import SECRET_SOURCES
from ..model import Report
from ..report.redaction import redacted_view
from ..runner import Runner
from ..targets import get_target
from .credentials import Unresolved
from .inventory import FleetEntry, SecretRef
from .limits import OTHER_CONNECTOR_PEAK, RunGate, ServerLimits, needs_extra, sftp_weight
from .options import keys_for

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
    #: Units of the server's budget the run holds throughout, and whether its paramiko
    #: connection must ask for one more (see :mod:`.limits`).
    peak: int = 1
    extra: bool = False


def _server_of(target: Mapping[str, Any]) -> str:
    """``host:port`` from the report's target block (the endpoint the connector will dial)."""
    host = str(target.get("host") or target.get("url") or "").lower()
    port = target.get("port")
    return f"{host}:{port}" if port else host


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
        self._runner_factory = runner_factory or api.runner
        self._cancel = asyncio.Event()
        self._wake = asyncio.Event()
        self._runners: set[Runner] = set()

    def cancel(self) -> None:
        """Stop: running diagnoses end with partial reports, the rest are not started."""
        self._cancel.set()
        self._wake.set()
        for runner in list(self._runners):
            runner.cancel()

    # -- preparation ----------------------------------------------------------------------------

    def _prepare(self, entry: FleetEntry) -> _Prepared:
        prepared = _Prepared(entry)
        keys = keys_for(entry.connector)
        values: dict[str, Any] = {keys.plain[k]: v for k, v in entry.options.items() if k in keys.plain}
        for stem, ref in entry.secrets.items():
            secret = self.secrets.get(ref)
            if secret is None or isinstance(secret, Unresolved):
                prepared.error = SettingsError(stem, str(secret or f"{ref.describe()} was not resolved"))
                return prepared
            values[keys.secrets[stem][0]] = secret
        try:
            profile = get_target(entry.target)
            connector = api.connector_for(entry.url)
            prepared.settings = connector.settings(entry.url, **values)
        except SettingsError as exc:
            # Name the key as the row wrote it (``port``), not the model's field (``port_field``).
            keyed = {fld: key for key, fld in keys.plain.items()}
            keyed.update({fld: stem for stem, (fld, _) in keys.secrets.items()})
            prepared.error = SettingsError(keyed.get(exc.field, exc.field), exc.message)
            return prepared
        except ValueError as exc:  # an unknown target name
            prepared.error = SettingsError("target", str(exc))
            return prepared
        prepared.redactor = api.redactor_for(prepared.settings, redact_hosts=self.redact_hosts)
        prepared.server = _server_of(connector.target_block(prepared.settings, entry.target))
        # Only SFTP declares the platform's maxConcurrentConnections, and its peak depends on it;
        # another connector's run takes its measured peak from the server's budget.
        max_connections = getattr(prepared.settings, "max_connections", None)
        if entry.connector == "sftp" and isinstance(max_connections, int):
            prepared.peak = sftp_weight(max_connections, profile.chunked_reads)
            prepared.extra = needs_extra(max_connections, prepared.peak)
        else:
            max_connections, prepared.peak = self.per_host, OTHER_CONNECTOR_PEAK
        self.limits.configure(prepared.server, max_connections, prepared.peak)
        return prepared

    # -- running --------------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[FleetEvent]:
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        t0 = time.monotonic()
        prepared = [self._prepare(e) for e in self.entries]
        queue: asyncio.Queue[FleetEvent] = asyncio.Queue()
        items: list[FleetItem] = []
        not_run: list[str] = []
        total = len(prepared)

        # Settings that never parsed are reported at once; the rest wait per server, in file
        # order. A dispatcher starts a run only when an overall slot is free AND its server's
        # budget has room, so no slot is ever held by a run that cannot start (with 80 rows for
        # six servers, slots held by waiting runs would leave other servers idle).
        waiting: dict[str, collections.deque[_Prepared]] = {}
        for p in prepared:
            if p.error is None:
                waiting.setdefault(p.server, collections.deque()).append(p)
            else:
                items.append(self._item(p, api.settings_failure_report(p.error), 0))
                queue.put_nowait(ConnectionFinished(items[-1], len(items), total))
        wake = self._wake
        for server in waiting:
            self.limits.for_server(server).on_release.append(wake.set)
        active: set[asyncio.Task[None]] = set()

        async def one(p: _Prepared, taken: int) -> None:
            limit = self.limits.for_server(p.server)
            try:
                await queue.put(ConnectionStarted(p.entry.name))
                item = await self._diagnose(p, RunGate(limit, covered=not p.extra))
                items.append(item)
                await queue.put(ConnectionFinished(item, len(items), total))
            finally:
                limit.release(taken)

        def finished(task: asyncio.Task[None]) -> None:
            active.discard(task)
            wake.set()  # the slot is free now (its task is out of ``active``)

        def dispatch() -> None:
            for server in list(waiting):
                rows, limit = waiting[server], self.limits.for_server(server)
                while rows and len(active) < self.parallel:
                    taken = limit.try_take(rows[0].peak, int(rows[0].extra))
                    if not taken:
                        break
                    task = asyncio.ensure_future(one(rows.popleft(), taken))
                    active.add(task)
                    task.add_done_callback(finished)
                if not rows:
                    del waiting[server]

        async def dispatcher() -> None:
            while waiting or active:
                wake.clear()  # before looking: a release from now on wakes the next round
                if self._cancel.is_set():
                    for rows in waiting.values():
                        not_run.extend(p.entry.name for p in rows)
                    waiting.clear()
                else:
                    dispatch()
                if waiting or active:
                    await wake.wait()
            await asyncio.gather(*(self.limits.for_server(s).drain() for s in self.limits.servers()))

        waiter = asyncio.ensure_future(dispatcher())
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
                await asyncio.gather(waiter, return_exceptions=True)
        order = {e.name: i for i, e in enumerate(self.entries)}
        items.sort(key=lambda it: order[it.name])
        yield FleetFinished(FleetResult(
            started_at=started_at, duration_ms=int((time.monotonic() - t0) * 1000),
            items=tuple(items), not_run=tuple(sorted(not_run, key=order.__getitem__)),
            interrupted=self._cancel.is_set(), parallel=self.parallel, per_host=self.per_host,
            server_high_water=self.limits.high_water(),
        ))

    async def _diagnose(self, p: _Prepared, gate: RunGate) -> FleetItem:
        timeout = float(p.entry.options.get("timeout", self.default_timeout))
        # The report's reproduce command names the variables of this row (when every secret of
        # the row comes from one), as `check` does with the user's own --…-env flags.
        keys = keys_for(p.entry.connector)
        sources: dict[str, tuple[str, str | None]] = {
            keys.secrets[stem][1]: ("env", ref.ref) for stem, ref in p.entry.secrets.items()}
        all_env = all(ref.kind == "env" for ref in p.entry.secrets.values())
        token = SECRET_SOURCES.set(sources if all_env else None)
        try:
            runner = self._runner_factory(p.settings, target=p.entry.target, timeout=timeout,
                                          dns_cache=self.dns_cache)
        finally:
            SECRET_SOURCES.reset(token)
        self._runners.add(runner)
        t0 = time.monotonic()
        # The run's checks inherit the server's budget for their extra connections.
        budget = connbudget.EXTRA.set(gate)
        try:
            report: Report | None = None
            async for event in runner.events():
                report = getattr(event, "report", report)
        finally:
            connbudget.EXTRA.reset(budget)
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
    others = [f"{stem.replace('_', ' ')} from {ref.describe()}" for stem, ref in p.entry.secrets.items()
              if stem != "password"]
    if others:
        hints["secrets_from"] = "; ".join(others)
    return hints
