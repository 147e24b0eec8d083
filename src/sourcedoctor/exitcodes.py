"""Process exit codes, in one place (scripts and CI depend on them)."""

from __future__ import annotations

import enum

from .model import Verdict


class ExitCode(enum.IntEnum):
    OK = 0  #: nothing failed (warnings allowed)
    FAILED = 1  #: a check failed (or, for diff, something got worse)
    USAGE = 2  #: usage or configuration error
    INTERNAL = 3  #: a bug in sourcedoctor
    INTERRUPTED = 130  #: Ctrl+C

    @classmethod
    def for_verdict(cls, verdict: Verdict, *, interrupted: bool = False) -> ExitCode:
        if interrupted or verdict is Verdict.INCOMPLETE:
            return cls.INTERRUPTED
        if verdict is Verdict.ERROR:
            return cls.INTERNAL
        if verdict is Verdict.FAIL:
            return cls.FAILED
        return cls.OK
