"""Live rendering of a run on stderr: a checklist that grows as checks finish, with spinners for
the ones running, replaced by the final summary when the run ends."""

from __future__ import annotations

from rich.console import Console, Group
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from ..config.secrets import Redactor
from ..model import (
    CheckFinished,
    CheckResult,
    CheckStarted,
    Report,
    RunFinished,
)
from ..report import render_text
from ..report.text import checklist_line
from ..runner import Runner


class LiveChecklist:
    """Follows a runner's events; transient on a terminal, silent elsewhere."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled and console.is_terminal
        self.done: list[CheckResult] = []
        self.running: dict[str, str] = {}

    def _render(self) -> Group:
        lines: list[Text | Spinner] = [checklist_line(r.to_dict()) for r in self.done]
        lines += [Spinner("dots", text=Text(f" {title}…")) for title in self.running.values()]
        return Group(*lines)

    async def follow(self, runner: Runner) -> Report:
        with Live(self._render(), console=self.console, transient=True,
                  refresh_per_second=12, auto_refresh=self.enabled) as live:
            if not self.enabled:
                live.stop()
            async for event in runner.events():
                if isinstance(event, CheckStarted):
                    self.running[event.check_id] = event.title
                elif isinstance(event, CheckFinished):
                    self.running.pop(event.result.check_id, None)
                    self.done.append(event.result)
                elif isinstance(event, RunFinished):
                    return event.report
                if self.enabled:
                    live.update(self._render())
        raise RuntimeError("run ended without a report")  # pragma: no cover

    @staticmethod
    def summary(report: Report, console: Console, redactor: Redactor) -> None:
        render_text(report, console, redactor)
