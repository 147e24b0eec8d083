"""The runner's contract, with plain checks (no I/O): order, skips, timeouts, crashes, cancel."""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar

import pytest

from sourcedoctor.checks.base import Check, Context, Outcome
from sourcedoctor.codes import make_finding
from sourcedoctor.model import CheckFinished, CheckStarted, RunFinished, Status, Verdict
from sourcedoctor.runner import Runner, run_to_report
from sourcedoctor.targets import GENERIC


def ctx(step: float = 1.0) -> Context[Any, dict[str, Any]]:
    return Context(settings=None, state={"log": []}, target=GENERIC, step_timeout=step)


def make(cid: str, *, needs: tuple[str, ...] = (), after: tuple[str, ...] = (),
         code: str | None = None, sleep: float = 0.0, boom: bool = False,
         skip: bool = False) -> Check[Any, Any]:
    class _C(Check[Any, dict[str, Any]]):
        id = cid
        title = cid.title()
        timeout_steps: ClassVar[float] = 1.0

        async def run(self, c: Context[Any, dict[str, Any]]) -> Outcome:
            c.state["log"].append(("start", cid, time.monotonic()))
            if sleep:
                await asyncio.sleep(sleep)
            if boom:
                raise RuntimeError("kaboom")
            c.state["log"].append(("end", cid, time.monotonic()))
            if skip:
                return Outcome.not_applicable("not relevant")
            return Outcome.of([make_finding(code, f"{cid} failed")] if code else [])

    _C.needs = needs
    _C.after = after
    return _C()


async def test_dependency_order_and_blocked_skip() -> None:
    plan = [make("a"), make("b", needs=("a",), code="tcp.refused"), make("c", needs=("b",)),
            make("d", needs=("a",))]
    report = await run_to_report(Runner(plan, ctx()))
    status = {r.check_id: r.status for r in report.checks}
    assert status == {"a": Status.PASS, "b": Status.FAIL, "c": Status.SKIP, "d": Status.PASS}
    assert report.result("c").blocked_by == "b"  # type: ignore[union-attr]
    assert report.root_cause is not None and report.root_cause.code == "tcp.refused"
    assert report.verdict is Verdict.FAIL
    assert [r.check_id for r in report.checks] == ["a", "b", "c", "d"]  # plan order kept


async def test_independent_checks_run_concurrently() -> None:
    plan = [make("a", sleep=0.3), make("b", sleep=0.3)]
    c = ctx()
    t0 = time.monotonic()
    await run_to_report(Runner(plan, c))
    assert time.monotonic() - t0 < 0.55  # two 0.3 s checks overlapped
    starts = [t for kind, _, t in c.state["log"] if kind == "start"]
    assert abs(starts[0] - starts[1]) < 0.1


async def test_timeout_becomes_check_timeout_finding() -> None:
    plan = [make("slow", sleep=5), make("after", needs=("slow",))]
    report = await run_to_report(Runner(plan, ctx(step=0.2)))
    slow = report.result("slow")
    assert slow is not None and slow.status == Status.FAIL
    assert [f.code for f in slow.findings] == ["check.timeout"]
    assert report.result("after").blocked_by == "slow"  # type: ignore[union-attr]


async def test_exception_becomes_internal_error_with_traceback() -> None:
    report = await run_to_report(Runner([make("bad", boom=True), make("ok")], ctx()))
    bad = report.result("bad")
    assert bad is not None and bad.status == Status.ERROR
    assert bad.findings[0].code == "check.internal_error"
    assert bad.traceback and "kaboom" in bad.traceback
    assert report.result("ok").status == Status.PASS  # type: ignore[union-attr]
    assert report.verdict is Verdict.ERROR


async def test_not_applicable_does_not_block_but_after_orders() -> None:
    c = ctx()
    plan = [make("key", skip=True, sleep=0.1), make("net"), make("auth", needs=("net",), after=("key",))]
    report = await run_to_report(Runner(plan, c))
    assert report.result("key").status == Status.SKIP  # type: ignore[union-attr]
    assert report.result("key").blocked_by is None  # type: ignore[union-attr]
    assert report.result("auth").status == Status.PASS  # type: ignore[union-attr]
    ends = {cid: t for kind, cid, t in c.state["log"] if kind == "end"}
    auth_start = next(t for kind, cid, t in c.state["log"] if kind == "start" and cid == "auth")
    assert auth_start >= ends["key"]


async def test_overall_deadline_bounds_the_run() -> None:
    plan = [make("a", sleep=0.3), make("b", needs=("a",), sleep=0.3), make("c", needs=("b",), sleep=0.3)]
    t0 = time.monotonic()
    report = await run_to_report(Runner(plan, ctx(step=10), deadline=0.5))
    assert time.monotonic() - t0 < 0.9
    assert report.result("b").findings[0].code == "check.timeout"  # type: ignore[union-attr]
    assert report.result("c").status == Status.SKIP  # type: ignore[union-attr]


async def test_cancel_returns_partial_report_and_closes_resources() -> None:
    closed: list[str] = []
    c = ctx()
    c.resources.callback(lambda: closed.append("socket"))
    runner = Runner([make("a"), make("hang", needs=("a",), sleep=30), make("z", needs=("hang",))], c)
    events = []
    t0 = time.monotonic()
    async for event in runner.events():
        events.append(event)
        if isinstance(event, CheckStarted) and event.check_id == "hang":
            runner.cancel()
    assert time.monotonic() - t0 < 1.0
    assert isinstance(events[-1], RunFinished)
    report = events[-1].report
    assert report.interrupted
    assert report.result("a").status == Status.PASS  # type: ignore[union-attr]
    assert report.result("hang").blocked_by == "cancelled"  # type: ignore[union-attr]
    assert closed == ["socket"]


async def test_events_stream_in_order() -> None:
    events = [e async for e in Runner([make("a"), make("b", needs=("a",))], ctx()).events()]
    def ident(e: object) -> str | None:
        return getattr(e, "check_id", None) or getattr(getattr(e, "result", None), "check_id", None)

    kinds = [(type(e).__name__, ident(e)) for e in events]
    assert kinds == [("CheckStarted", "a"), ("CheckFinished", "a"), ("CheckStarted", "b"),
                     ("CheckFinished", "b"), ("RunFinished", None)]
    assert all(isinstance(e, (CheckStarted, CheckFinished, RunFinished)) for e in events)


def test_plan_validation_rejects_bad_order() -> None:
    with pytest.raises(ValueError, match="must come earlier"):
        Runner([make("b", needs=("a",)), make("a")], ctx())
    with pytest.raises(ValueError, match="duplicate"):
        Runner([make("a"), make("a")], ctx())


class _StepTimesOut(Check[Any, dict[str, Any]]):
    """One network step inside the check has its own short timeout and the check lets it out."""

    id = "step"
    title = "Step"

    async def run(self, c: Context[Any, dict[str, Any]]) -> Outcome:
        await asyncio.wait_for(asyncio.sleep(10), 0.05)
        return Outcome.of()


async def test_a_step_timeout_escaping_a_check_is_a_timeout_not_a_crash() -> None:
    report = await run_to_report(Runner([_StepTimesOut()], ctx(step=0.1)))
    result = report.result("step")
    assert result is not None and result.status == Status.FAIL
    assert [f.code for f in result.findings] == ["check.timeout"]
    assert result.findings[0].evidence["step_timeout_s"] == 0.1


class _LeavesAFailedTask(Check[Any, dict[str, Any]]):
    """Starts a task nobody awaits that fails (as a library's reader does after a timeout)."""

    id = "leaky"
    title = "Leaky"

    async def run(self, c: Context[Any, dict[str, Any]]) -> Outcome:
        async def fail() -> None:
            raise ConnectionResetError("peer went away")

        task = asyncio.ensure_future(fail())
        await asyncio.sleep(0.01)
        del task  # dropped with its exception unread: asyncio reports it when collected
        import gc

        gc.collect()
        return Outcome.of()


async def test_errors_of_unawaited_tasks_go_to_the_transcript(
    caplog: pytest.LogCaptureFixture,
) -> None:
    c = ctx()
    report = await run_to_report(Runner([_LeavesAFailedTask()], c))
    assert report.verdict is Verdict.PASS
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]
    assert any("ConnectionResetError" in line.message for line in c.transcript.entries)


async def test_after_a_check_not_in_the_plan_does_not_block() -> None:
    """``after`` only orders: a plan cut short (stop_after) or without that layer still runs."""
    plan = [make("a"), make("b", needs=("a",), after=("not-in-this-plan",))]
    report = await run_to_report(Runner(plan, ctx()))
    assert [r.check_id for r in report.checks] == ["a", "b"]
    assert report.result("b").status is Status.PASS  # type: ignore[union-attr]


async def test_connector_audiences_address_findings_by_layer() -> None:
    plan = [make("a", code="path.not_found"), make("b", code="tcp.refused")]
    report = await run_to_report(Runner(plan, ctx(), audiences={"path": "the bucket owner"}))
    by_code = {f.code: f.audience for r in report.checks for f in r.findings}
    assert by_code["path.not_found"] == "the bucket owner"
    assert by_code["tcp.refused"] != "the bucket owner"  # other layers keep the catalogue's
    assert report.root_cause is not None and report.root_cause.audience == "the bucket owner"


class _Waits(Check[Any, dict[str, Any]]):
    """Starts at once and, midway, waits for other checks' results (Context.result_of)."""

    id = "waits"
    title = "Waits"

    async def run(self, c: Context[Any, dict[str, Any]]) -> Outcome:
        seen = {cid: await c.result_of(cid) for cid in ("slow", "blocked", "absent")}
        return Outcome.of(**{cid: (r.status, r.blocked_by) if r else None
                             for cid, r in seen.items()})


async def test_a_running_check_can_wait_for_another_checks_result() -> None:
    plan = [make("slow", sleep=0.2, code="tcp.refused"), make("blocked", needs=("slow",)),
            _Waits()]
    report = await run_to_report(Runner(plan, ctx()))
    waits = report.result("waits")
    assert waits is not None and waits.status == Status.PASS
    assert waits.facts == {"slow": (Status.FAIL, None), "blocked": (Status.SKIP, "slow"),
                           "absent": None}
