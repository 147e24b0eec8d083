"""Past-tense messages that workers post to the screens that render them.

Workers never touch widgets; they post one of these and the screen's handler updates the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from ..model import CheckResult, Report
from .connectors import connector_of, redacted_url

if TYPE_CHECKING:
    from ..connectors.base import Connector
    from ..connectors.sftp.settings import SftpSettings


class CheckBegan(Message):
    """The engine started a check."""

    def __init__(self, check_id: str, title: str, run: int = 0) -> None:
        super().__init__()
        self.run = run
        self.check_id = check_id
        self.title = title


class CheckConcluded(Message):
    """The engine finished a check (including skipped ones)."""

    def __init__(self, result: CheckResult, run: int = 0) -> None:
        super().__init__()
        self.run = run
        self.result = result


class DiagnosisEnded(Message):
    """The run is over; ``report`` may be partial (``report.interrupted``)."""

    def __init__(self, report: Report, run: int = 0) -> None:
        super().__init__()
        self.run = run
        self.report = report


class DiagnosisCrashed(Message):
    """The engine could not even start (a part missing, or a bug): a one-line reason."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class DemoStarted(Message):
    """The embedded demo server is listening; ``settings`` reach it."""

    def __init__(self, settings: SftpSettings, fault: str | None) -> None:
        super().__init__()
        self.settings = settings
        self.fault = fault


class DemoFailed(Message):
    """The demo server could not start."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class KeyInspected(Message):
    """The live key inspection of the setup form produced a report (or a reason it could not)."""

    def __init__(self, report: Any | None, reason: str = "") -> None:
        super().__init__()
        self.report = report
        self.reason = reason


@dataclass(frozen=True)
class ConnectionTarget:
    """What a screen needs to reach the source again: any connector's settings, the target
    profile, the step timeout."""

    settings: Any
    target: str = "generic"
    timeout: float = 10.0

    @property
    def connector(self) -> Connector:
        """The connector these settings belong to."""
        return connector_of(self.settings)

    @property
    def url(self) -> str:
        """The source as a URL without any secret (what titles and provenance show)."""
        return redacted_url(self.settings)


class SourceOpened(Message):
    """The folder passed the diagnosis and its connection is open for browsing."""

    def __init__(self, opened: Any) -> None:
        super().__init__()
        self.opened = opened


class SourceFailed(Message):
    """Opening the source failed: a one-line ``reason``, and the diagnosis ``report`` if any."""

    def __init__(self, reason: str, report: Report | None = None) -> None:
        super().__init__()
        self.reason = reason
        self.report = report


class FolderListed(Message):
    """A folder's bounded listing, with the names that break the target's naming rules."""

    def __init__(self, node: Any, listing: Any, flagged: dict[str, str]) -> None:
        super().__init__()
        self.node = node
        self.listing = listing
        self.flagged = flagged


class SampleReady(Message):
    """A file was sampled (``sample`` is a SampleResult), or could not be (``reason``)."""

    def __init__(self, sample: Any | None, reason: str = "") -> None:
        super().__init__()
        self.sample = sample
        self.reason = reason


class IngestAdvanced(Message):
    """Ingest progress: ``done`` of ``total`` units (rows or bytes)."""

    def __init__(self, done: float, total: float | None) -> None:
        super().__init__()
        self.done = done
        self.total = total


class IngestEnded(Message):
    """The ingest finished (``result``) or failed (``reason``)."""

    def __init__(self, result: Any | None, reason: str = "") -> None:
        super().__init__()
        self.result = result
        self.reason = reason
