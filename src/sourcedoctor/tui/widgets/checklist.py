"""The live checklist: one row per check, a spinner while it runs, then its symbol and duration."""

from __future__ import annotations

from rich.text import Text
from textual.timer import Timer
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...model import CheckResult, Status
from ...report.escape import for_terminal

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TITLE_WIDTH = 18
#: Styles only add emphasis; the symbol and the word carry the meaning (NO_COLOR keeps both).
STATUS_STYLE = {
    Status.PASS: "green",
    Status.SKIP: "dim",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
}


def duration_text(ms: int) -> str:
    """``830 ms`` or ``12.4 s``."""
    return f"{ms} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def result_row(result: CheckResult, width: int = TITLE_WIDTH) -> Text:
    """The row of a finished check: symbol, title, a word for anything but a pass, duration."""
    status = result.status
    row = Text(f"{status.symbol} ", style=STATUS_STYLE[status])
    row.append(for_terminal(result.title)[:width].ljust(width))  # titles of opened reports too
    word = "" if status == Status.PASS else status.label
    row.append(f" {word:<5}", style=STATUS_STYLE[status])
    if status != Status.SKIP:
        row.append(f" {duration_text(result.duration_ms):>7}", style="dim")
    return row


def running_row(title: str, frame: int, width: int = TITLE_WIDTH) -> Text:
    """The row of a running check: a spinner glyph and the word ``running``."""
    row = Text(f"{SPINNER[frame % len(SPINNER)]} ", style="bold cyan")
    row.append(for_terminal(title)[:width].ljust(width))
    row.append(" running", style="cyan")
    return row


class CheckList(OptionList):
    """Rows appear as the engine starts (or skips) checks; finished rows keep their result."""

    def __init__(self, *, id: str | None = None, animate: bool = True) -> None:
        super().__init__(id=id)
        self.results: dict[str, CheckResult] = {}
        self._in_progress: dict[str, str] = {}
        self._frame = 0
        self._spin = animate
        self._ticker: Timer | None = None

    def on_mount(self) -> None:
        if self._spin:
            self._ticker = self.set_interval(0.1, self._tick)

    def reset(self) -> None:
        """Forget every row (before a re-run)."""
        self.clear_options()
        self.results.clear()
        self._in_progress.clear()

    def begin(self, check_id: str, title: str) -> None:
        """Show a running row for ``check_id``."""
        self._in_progress[check_id] = title
        self._put(check_id, running_row(title, self._frame, self.title_width))

    def conclude(self, result: CheckResult) -> None:
        """Replace the row of ``result.check_id`` with its outcome."""
        self._in_progress.pop(result.check_id, None)
        self.results[result.check_id] = result
        self._put(result.check_id, result_row(result, self.title_width))

    def show_all(self, results: tuple[CheckResult, ...]) -> None:
        """Render a finished report's results at once (an opened report, a snapshot)."""
        self.reset()
        for result in results:
            self.conclude(result)

    def selected_result(self) -> CheckResult | None:
        """The result behind the highlighted row, if that check has finished."""
        if self.highlighted is None:
            return None
        option = self.get_option_at_index(self.highlighted)
        return self.results.get(option.id or "")

    def highlight_check(self, check_id: str) -> None:
        """Move the highlight to ``check_id``'s row."""
        try:
            self.highlighted = self.get_option_index(check_id)
        except Exception:  # no such row (yet): keep the current highlight
            return

    def _put(self, check_id: str, prompt: Text) -> None:
        try:
            self.replace_option_prompt(check_id, prompt)
        except Exception:  # first time we hear of this check: add its row
            self.add_option(Option(prompt, id=check_id))
            if self.highlighted is None:
                self.highlighted = 0

    def _tick(self) -> None:
        if not self._in_progress:
            return
        self._frame += 1
        for check_id, title in self._in_progress.items():
            self.replace_option_prompt(check_id, running_row(title, self._frame,
                                                             self.title_width))

    @property
    def title_width(self) -> int:
        """Characters left for the title once symbol, word and duration have theirs."""
        inner = self.scrollable_content_region.width
        return TITLE_WIDTH if inner <= 0 else max(10, min(32, inner - 16))

    def on_resize(self) -> None:
        # Re-render every row to the new width (titles get the room there is).
        for check_id, result in self.results.items():
            self.replace_option_prompt(check_id, result_row(result, self.title_width))
