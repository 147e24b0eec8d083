"""The check contract: what a diagnosis step is, what it gets, and what it gives back.

A check is one layer of a diagnosis (``dns.resolve``, ``ssh.auth`` ...). It declares the checks it
``needs``; the runner starts it only when all of them passed (or only warned) and otherwise records it
as skipped, "blocked by" the first need that did not pass. Checks never print: they return an
:class:`Outcome` and leave what they opened (connections, clients) in the shared :class:`Context`, whose
exit stack the runner closes when the run ends, however it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from ..model import CheckResult, Finding, Status
from ..targets import TargetProfile
from ..transcript import Transcript

SettingsT = TypeVar("SettingsT")
StateT = TypeVar("StateT")


@dataclass
class Context(Generic[SettingsT, StateT]):
    """Everything a run shares: the settings, the target rules, what earlier checks learned.

    ``state`` is the connector's own mutable record (resolved addresses, the live SSH connection, the
    SFTP client, sampled bytes...), so one connection serves the whole plan.
    """

    settings: SettingsT
    state: StateT
    target: TargetProfile
    step_timeout: float = 10.0
    transcript: Transcript = field(default_factory=Transcript)
    resources: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    #: Answers shared between runs (a fleet sweep asks DNS once per name); None: this run only.
    dns_cache: Any = None
    #: Each planned check's result, set by the runner as the check ends (see :meth:`result_of`).
    ended: dict[str, asyncio.Future[CheckResult | None]] = field(default_factory=dict, repr=False)

    async def result_of(self, check_id: str) -> CheckResult | None:
        """Wait until another check of this run has ended and return its result, for a check
        that starts beside it and needs its verdict midway (``needs`` and ``after`` wait before
        a check starts). None when that check is not in this run's plan or the run ended first."""
        waiter = self.ended.get(check_id)
        return None if waiter is None else await asyncio.shield(waiter)

    def has_ended(self, check_id: str) -> bool:
        """Whether that check's result is in already (see :meth:`result_of`)."""
        waiter = self.ended.get(check_id)
        return waiter is not None and waiter.done()

    async def aclose(self) -> None:
        """Close every connection and client the checks registered. Safe to call twice."""
        await self.resources.aclose()


@dataclass(frozen=True)
class Outcome:
    """What a check returns: findings (their severities set the status) and neutral facts."""

    findings: tuple[Finding, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    status: Status | None = None  # set only to SKIP a check that does not apply
    blocked_by: str | None = None  # with SKIP: an earlier layer made this one impossible

    @classmethod
    def of(cls, findings: Sequence[Finding] = (), **facts: Any) -> Outcome:
        return cls(tuple(findings), dict(facts))

    @classmethod
    def not_applicable(cls, reason: str, **facts: Any) -> Outcome:
        return cls((), {"skipped": reason, **facts}, Status.SKIP)

    @classmethod
    def blocked(cls, by: str, **facts: Any) -> Outcome:
        """Skip because an earlier layer (not a declared need) made this check impossible."""
        return cls((), dict(facts), Status.SKIP, by)

    def resolved_status(self) -> Status:
        if self.status is not None:
            return self.status
        return max((f.severity.status for f in self.findings), default=Status.PASS)


def passable(result: CheckResult) -> bool:
    """Whether a check that ended so lets the checks that need it run: a pass, a warning, or a
    check that did not apply (skipped by itself, not blocked)."""
    if result.status in (Status.PASS, Status.WARN):
        return True
    return result.status == Status.SKIP and result.blocked_by is None


class Check(Generic[SettingsT, StateT]):
    """Base class for one diagnosis step. Subclasses set ``id``, ``title``, ``needs`` and ``run``."""

    id: ClassVar[str]
    title: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    #: Checks that must have finished first without blocking this one when they fail.
    after: ClassVar[tuple[str, ...]] = ()
    #: The check's budget as a multiple of the run's per-step timeout (--timeout).
    timeout_steps: ClassVar[float] = 1.0

    def timeout(self, ctx: Context[SettingsT, StateT]) -> float:
        return ctx.step_timeout * self.timeout_steps

    def warm_up(self, settings: SettingsT) -> None:
        """Load now what :meth:`run` will import later (a client library's modules). The runner
        calls this in a background thread before the run starts (:func:`sourcedoctor.api.runner`),
        so that the import overlaps the earlier layers' waits on the network instead of holding
        up this layer. Blocking, idempotent, errors ignored (``run`` meets them again and reports
        them). Default: nothing."""

    async def run(self, ctx: Context[SettingsT, StateT]) -> Outcome:
        raise NotImplementedError


#: A plan is the checks of one connector, in the order a person would read them.
Plan = Sequence[Check[Any, Any]]
