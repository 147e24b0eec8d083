"""Layer 1 — settings: what can be judged before any network use.

Shared: typed on :class:`FolderSettings` (a ``folder`` to read), not on one connector's settings.
The folder path is refused when it holds a control or invisible character; a connector subclasses
:class:`SettingsCheck` to add its own cross-field rules (:meth:`~SettingsCheck.rules`) and the
facts it shows (:meth:`~SettingsCheck.facts`).
"""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar

from ..codes import make_finding
from ..model import Finding
from ..report.escape import first_unsafe_char
from .base import Check, Context, Outcome


class FolderSettings(Protocol):
    """What the shared settings layer reads: the folder (or prefix) the source is read from."""

    @property
    def folder(self) -> str: ...


SettingsT = TypeVar("SettingsT", bound=FolderSettings)


class SettingsCheck(Check[SettingsT, Any], Generic[SettingsT]):
    """Cross-field rules the settings model cannot express field by field."""

    id = "config.settings"
    title = "Connection settings"

    def rules(self, settings: SettingsT) -> list[Finding]:
        """The connector's own cross-field rules (reported before the folder's)."""
        return []

    def facts(self, settings: SettingsT) -> dict[str, Any]:
        """The neutral facts the layer shows (what will be used)."""
        return {"folder": settings.folder}

    async def run(self, ctx: Context[SettingsT, Any]) -> Outcome:
        s = ctx.settings
        findings = self.rules(s)
        bad = first_unsafe_char(s.folder)  # C0/C1 controls, DEL, bidi and zero-width characters
        if bad is not None:
            findings.append(make_finding(
                "config.invalid", f"The folder path contains the control character {bad[1]}",
                evidence={"field": "folder", "position": bad[0] + 1}, field="folder",
            ))
        return Outcome.of(findings, **self.facts(s))
