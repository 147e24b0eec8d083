"""Run a plan of checks: dependency order, concurrency where independent, timeouts, cancellation.

``Runner.events()`` is an async generator of :mod:`sourcedoctor.model` events, so the CLI and the
TUI render the same stream live. Whatever happens (a check hangs, raises, the overall deadline
passes, the user presses Ctrl+C or Esc), the stream ends with one ``RunFinished`` carrying a report
of everything learned so far, and every connection the checks opened is closed.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import traceback
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from .checks.base import Check, Context, Outcome, Plan, passable
from .codes import make_finding
from .model import (
    CheckFinished,
    CheckResult,
    CheckStarted,
    Report,
    RunEvent,
    RunFinished,
    Status,
    Verdict,
    find_root_cause,
)

REPORT_SCHEMA = "sourcedoctor.report/1"

class Runner:
    """Runs one plan once. Create a new Runner for a re-run."""

    def __init__(
        self,
        plan: Plan,
        ctx: Context[Any, Any],
        *,
        deadline: float | None = None,
        tool: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
        target: Mapping[str, Any] | None = None,
        command: str = "",
        extras: Callable[[], Mapping[str, Any]] | None = None,
        audiences: Mapping[str, str] | None = None,
    ) -> None:
        ids = [c.id for c in plan]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate check ids in plan: {ids}")
        seen: set[str] = set()
        for check in plan:
            missing = [n for n in check.needs if n not in seen]
            if missing:
                raise ValueError(f"{check.id} needs {missing}, which must come earlier in the plan")
            seen.add(check.id)
        self.plan = list(plan)
        self.ctx = ctx
        self.deadline = deadline
        # A callable is asked when the report is made (the API gathers it beside the run).
        self._tool = tool if callable(tool) else dict(tool or {})
        self._target = dict(target or {})
        self._command = command
        self._extras = extras
        #: Layer prefix → who acts, for this connector (the catalogue's audiences are generic).
        self._audiences = dict(audiences or {})
        #: False leaves the context's connections open after the run (the caller closes them).
        self.close_resources = True
        self._cancel = asyncio.Event()
        self.results: dict[str, CheckResult] = {}
        self.report: Report | None = None

    def _addressed(self, result: CheckResult) -> CheckResult:
        """``result`` with each finding addressed to whoever acts on that layer for this connector
        ("the bucket owner" rather than the SFTP server's administrator for a ``path.`` code). A
        whole code as key (``path.permission_denied``) wins over its layer prefix (``path``)."""
        if not self._audiences or not result.findings:
            return result
        def who(code: str) -> str | None:
            return self._audiences.get(code, self._audiences.get(code.split(".", 1)[0]))

        findings = tuple(
            replace(f, audience=audience) if (audience := who(f.code)) is not None else f
            for f in result.findings)
        return replace(result, findings=findings)

    def cancel(self) -> None:
        """Stop the run as soon as possible; the stream still ends with a partial report."""
        self._cancel.set()

    async def events(self) -> AsyncIterator[RunEvent]:
        started_at = datetime.now(UTC)
        t0 = time.monotonic()
        finished: asyncio.Queue[CheckResult] = asyncio.Queue()
        running: dict[str, asyncio.Task[None]] = {}
        pending = list(self.plan)
        planned = {c.id for c in self.plan}
        interrupted = False
        deadline_at = None if self.deadline is None else t0 + self.deadline
        cancel_wait = asyncio.ensure_future(self._cancel.wait())
        loop = asyncio.get_running_loop()
        self.ctx.ended.update({c.id: loop.create_future() for c in self.plan})
        restore_handler = _keep_background_errors(self.ctx)
        try:
            while pending or running:
                # Start (or skip) every check whose needs are all settled.
                for check in list(pending):
                    # ``after`` only orders: a check it names that is not in this plan (a plan cut
                    # short by stop_after, a connector without that layer) is not waited for.
                    waits = (*check.needs, *(a for a in check.after if a in planned))
                    if any(n not in self.results for n in waits):
                        continue
                    pending.remove(check)
                    blocker = next(
                        (n for n in check.needs if not passable(self.results[n])), None
                    )
                    if blocker is not None:
                        result = _skipped(check, blocker)
                        self._record(result)
                        yield CheckFinished(result)
                        continue
                    yield CheckStarted(check.id, check.title)
                    running[check.id] = asyncio.create_task(
                        self._execute(check, finished), name=f"check:{check.id}"
                    )
                if not running:
                    if pending:  # unreachable with a validated plan, but never spin
                        break
                    continue
                getter = asyncio.ensure_future(finished.get())
                timeout = None if deadline_at is None else max(0.0, deadline_at - time.monotonic())
                done, _ = await asyncio.wait(
                    {getter, cancel_wait}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if getter in done:
                    result = self._addressed(getter.result())
                    running.pop(result.check_id, None)
                    self._record(result)
                    yield CheckFinished(result)
                    continue
                getter.cancel()
                # Cancelled by the user, or past the overall deadline.
                interrupted = cancel_wait in done
                reason = "cancelled" if interrupted else "the run's overall deadline"
                for check_id, task in running.items():
                    task.cancel()
                    check = next(c for c in self.plan if c.id == check_id)
                    result = (
                        _skipped(check, reason)
                        if interrupted
                        else _timed_out(check, self.deadline or 0.0, overall=True)
                    )
                    self._record(result)
                    yield CheckFinished(result)
                await asyncio.gather(*running.values(), return_exceptions=True)
                running.clear()
                for check in pending:
                    result = _skipped(check, reason)
                    self._record(result)
                    yield CheckFinished(result)
                pending.clear()
        finally:
            cancel_wait.cancel()
            for waiter in self.ctx.ended.values():
                if not waiter.done():
                    waiter.set_result(None)  # a check waiting for another does not outlive the run
            for task in running.values():
                task.cancel()
            if running:
                await asyncio.gather(*running.values(), return_exceptions=True)
            try:
                if self.close_resources or interrupted:
                    # Shielded so that a cancelled consumer still closes every socket.
                    await asyncio.shield(self.ctx.aclose())
            finally:
                restore_handler()
        ordered = tuple(self.results[c.id] for c in self.plan if c.id in self.results)
        self.report = Report(
            schema=REPORT_SCHEMA,
            tool=dict(self._tool() if callable(self._tool) else self._tool),
            target=self._target,
            started_at=started_at.isoformat(timespec="seconds"),
            duration_ms=int((time.monotonic() - t0) * 1000),
            verdict=Verdict.from_results(ordered, interrupted=interrupted),
            root_cause=find_root_cause(ordered),
            checks=ordered,
            command=self._command,
            interrupted=interrupted,
            extras=dict(self._extras()) if self._extras else {},
        )
        yield RunFinished(self.report)

    def _record(self, result: CheckResult) -> None:
        self.results[result.check_id] = result
        self._settle(result)

    def _settle(self, result: CheckResult) -> None:
        """Hand the result to checks waiting for it (Context.result_of)."""
        waiter = self.ctx.ended.get(result.check_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(result)

    async def _execute(self, check: Check[Any, Any], out: asyncio.Queue[CheckResult]) -> None:
        t0 = time.monotonic()
        budget = check.timeout(self.ctx)
        try:
            async with asyncio.timeout(budget) as scope:
                outcome = await check.run(self.ctx)
            result = _result(check, outcome, t0)
        except TimeoutError:
            # Also when one network step inside the check ran out of its own, shorter timeout and
            # the check let it through: that layer timed out, it did not crash.
            step = None if scope.expired() else self.ctx.step_timeout
            result = _timed_out(check, budget, overall=False, t0=t0, step=step)
        except asyncio.CancelledError:
            raise
        except Exception:
            result = _crashed(check, t0)
        self._settle(result)  # now, not when the caller reads the event stream
        await out.put(result)


async def run_to_report(runner: Runner) -> Report:
    """Drain a runner's events and return its report (for library users and tests)."""
    async for event in runner.events():
        if isinstance(event, RunFinished):
            return event.report
    raise RuntimeError("runner ended without a report")  # pragma: no cover


def _keep_background_errors(ctx: Context[Any, Any]) -> Callable[[], None]:
    """Route errors of tasks nobody awaited (a library's reader task after a timeout cut its
    caller off: "Task exception was never retrieved") into the transcript instead of a traceback
    on the user's terminal. Returns the function that puts the previous handler back."""
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        # Only futures' unread results ("future" in the context), CancelledError included (a
        # gather cut off by a timeout reports it this way); errors in callbacks go on as before.
        if "future" in context and isinstance(exc, Exception | asyncio.CancelledError):
            ctx.transcript.add("runner", f"background task ended with {type(exc).__name__}: {exc}")
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)

    def restore() -> None:
        if loop.get_exception_handler() is handler:
            loop.set_exception_handler(previous)

    return restore


def _ms(t0: float) -> int:
    return int((time.monotonic() - t0) * 1000)


def _result(check: Check[Any, Any], outcome: Outcome, t0: float) -> CheckResult:
    return CheckResult(
        check_id=check.id,
        title=check.title,
        status=outcome.resolved_status(),
        duration_ms=_ms(t0),
        findings=outcome.findings,
        facts=outcome.facts,
        blocked_by=outcome.blocked_by,
    )


def _skipped(check: Check[Any, Any], blocker: str) -> CheckResult:
    return CheckResult(check.id, check.title, Status.SKIP, blocked_by=blocker)


def _timed_out(
    check: Check[Any, Any], budget: float, *, overall: bool, t0: float | None = None,
    step: float | None = None,
) -> CheckResult:
    what = "the run's overall deadline" if overall else "its time budget"
    evidence: dict[str, Any] = {"check": check.id, "budget_s": budget, "overall_deadline": overall}
    summary = f"{check.title}: no result within {what} ({budget:g} s)"
    if step is not None:
        summary = f"{check.title}: a network step got no answer within {step:g} s (--timeout)"
        evidence["step_timeout_s"] = step
    finding = make_finding("check.timeout", summary, evidence=evidence)
    return CheckResult(
        check.id,
        check.title,
        Status.FAIL,
        duration_ms=_ms(t0) if t0 is not None else int(budget * 1000),
        findings=(finding,),
    )


def _crashed(check: Check[Any, Any], t0: float) -> CheckResult:
    tb = traceback.format_exc()
    tb_id = hashlib.sha256(tb.encode()).hexdigest()[:10]
    finding = make_finding(
        "check.internal_error",
        f"{check.title} crashed inside sourcedoctor (traceback {tb_id})",
        evidence={"check": check.id, "traceback_id": tb_id},
        traceback_id=tb_id,
    )
    return CheckResult(
        check.id, check.title, Status.ERROR, duration_ms=_ms(t0), findings=(finding,), traceback=tb
    )
