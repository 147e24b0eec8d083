"""The engine as a library: the entry points the CLI and the TUI use, and so can you."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import platform
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from . import __version__
from .checks.base import Context
from .config.secrets import Redactor
from .config.sftp import SftpSettings, build_settings, parse_sftp_url, redacted_url
from .connectors.sftp.plan import build_plan
from .connectors.sftp.state import SftpState
from .model import Report, Status
from .runner import Runner, run_to_report
from .sources.sftp import SftpSource
from .targets import get_target

#: The run's overall deadline, as a multiple of the per-step timeout (--timeout). Layers run one
#: after the other, so the sum of the budgets of one path through the plan, with headroom.
DEADLINE_STEPS = 12.0


def tool_info() -> dict[str, Any]:
    """Versions that matter when a report is read later (from package metadata: no imports)."""
    from importlib import metadata

    versions: dict[str, Any] = {"sourcedoctor": __version__, "python": sys.version.split()[0]}
    for dist in ("asyncssh", "cryptography", "dnspython", "duckdb", "paramiko", "textual"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # an optional library missing is a fact
            versions[dist] = None
    versions["platform"] = platform.platform()
    return versions


def sftp_settings(url: str | None = None, **values: Any) -> SftpSettings:
    """Settings from an ``sftp://`` URL and/or fields; raises SettingsError naming the field."""
    merged: dict[str, Any] = parse_sftp_url(url) if url else {}
    merged.update({k: v for k, v in values.items() if v is not None})
    return build_settings(**merged)


def redactor_for(settings: SftpSettings, *, redact_hosts: bool = False) -> Redactor:
    """A Redactor that knows every secret in these settings (and, with ``redact_hosts``, the
    host and user to pseudonymise)."""
    red = Redactor(redact_hosts=redact_hosts)
    for secret in (settings.password, settings.key_content, settings.passphrase):
        red.add(secret)
    red.add_identity("host", settings.host)
    red.add_identity("user", settings.user)
    return red


def reproduce_command(settings: SftpSettings, target: str, timeout: float) -> str:
    """The ``sourcedoctor check`` command line for these settings, without any secret."""
    parts = ["sourcedoctor", "check", redacted_url(settings)]
    if settings.password is not None:
        parts += ["--password-env", "SFTP_PASSWORD"]
    if settings.key_path:
        parts += ["--key", settings.key_path]
    elif settings.key_content is not None:
        parts += ["--key", "KEYFILE"]
    if settings.passphrase is not None:
        parts += ["--passphrase-env", "SFTP_PASSPHRASE"]
    for flag, value in (
        ("--known-hosts", settings.known_hosts),
        ("--host-key-fingerprint", settings.host_key_fingerprint),
        ("--resolver", settings.resolver),
        ("--file", settings.file),
    ):
        if value:
            parts += [flag, value]
    if target != "generic":
        parts += ["--target", target]
    if timeout != 10.0:
        parts += ["--timeout", f"{timeout:g}"]
    if settings.max_connections != 3:
        parts += ["--max-connections", str(settings.max_connections)]
    if settings.max_entries != 10_000:
        parts += ["--max-entries", str(settings.max_entries)]
    return " ".join(parts)


_prefetched = threading.Event()


def _prefetch_sniffers() -> None:
    """Import the data sniffers (DuckDB, charset-normalizer: ~0.1 s) in a background thread while
    the network layers run, so the sample layer does not pay for it at the end of the run."""
    if _prefetched.is_set():
        return
    _prefetched.set()

    def load() -> None:
        with contextlib.suppress(Exception):  # the sample layer imports again and reports errors
            importlib.import_module("sourcedoctor.preview.sample")

    threading.Thread(target=load, name="prefetch-sniffers", daemon=True).start()


def sftp_runner(
    settings: SftpSettings,
    *,
    target: str = "generic",
    timeout: float = 10.0,
    stop_after: str | None = None,
) -> Runner:
    """A Runner for the full SFTP diagnosis (or the plan up to and including ``stop_after``)."""
    profile = get_target(target)
    _prefetch_sniffers()
    plan = build_plan(settings, profile)
    if stop_after is not None:
        ids = [c.id for c in plan]
        plan = plan[: ids.index(stop_after) + 1]
    ctx: Context[SftpSettings, SftpState] = Context(
        settings=settings, state=SftpState(), target=profile, step_timeout=timeout
    )
    return Runner(
        plan,
        ctx,
        deadline=timeout * DEADLINE_STEPS,
        tool=tool_info(),
        target={"connector": "sftp", "profile": target, "url": redacted_url(settings),
                **settings.public_dict()},
        command=reproduce_command(settings, target, timeout),
        extras=lambda: {"transcript": ctx.transcript.lines()},
    )


async def diagnose_sftp(settings: SftpSettings, *, target: str = "generic",
                        timeout: float = 10.0) -> Report:
    """Run the whole SFTP diagnosis and return the report."""
    return await run_to_report(sftp_runner(settings, target=target, timeout=timeout))


def diagnose_sftp_sync(settings: SftpSettings, **kwargs: Any) -> Report:
    """Blocking convenience wrapper around :func:`diagnose_sftp`."""
    return asyncio.run(diagnose_sftp(settings, **kwargs))


class DiagnosisFailed(Exception):
    """Raised by :func:`open_sftp_source` when a layer before the folder failed."""

    def __init__(self, report: Report) -> None:
        root = report.root_cause
        super().__init__(f"{root.code}: {root.summary}" if root else "diagnosis did not pass")
        self.report = report


@dataclass
class OpenSource:
    """A live, diagnosed SFTP source: read files through ``source``; ``folder`` is resolved."""

    source: SftpSource
    folder: str
    report: Report


@asynccontextmanager
async def open_sftp_source(
    settings: SftpSettings, *, target: str = "generic", timeout: float = 10.0
) -> AsyncIterator[OpenSource]:
    """Diagnose up to the folder layer and keep the connection open for preview/ingest/browse.

    Raises :class:`DiagnosisFailed` (with the report) when any layer up to the folder failed.
    """
    runner = sftp_runner(settings, target=target, timeout=timeout, stop_after="sftp.folder")
    runner.close_resources = False  # the connection outlives the run; closed below
    try:
        report = await run_to_report(runner)
        failed = [r for r in report.checks if r.status >= Status.FAIL or
                  (r.status == Status.SKIP and r.blocked_by)]
        state: SftpState = runner.ctx.state
        if failed or state.source is None or state.folder is None:
            raise DiagnosisFailed(report)
        yield OpenSource(state.source, state.folder, report)
    finally:
        await runner.ctx.aclose()
