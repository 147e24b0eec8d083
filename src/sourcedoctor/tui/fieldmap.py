"""Which setup-form field a finding points at, so ``e`` can jump straight to it.

The knowledge lives with each connector (``Connector.field_for``); this module only finds the
finding behind a report's root cause and asks that report's connector.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Finding, Report, Severity
from .connectors import report_connector

if TYPE_CHECKING:
    from ..connectors.base import Connector


def field_for_finding(finding: Finding, connector: Connector) -> str | None:
    """The form field that caused ``finding``, or None when no field can fix it."""
    return connector.field_for(finding)


def root_finding(report: Report) -> Finding | None:
    """The finding behind the report's root cause (rebuilt from the root cause if not listed)."""
    root = report.root_cause
    if root is None:
        return None
    result = report.result(root.check)
    finding = next((f for f in (result.findings if result else ()) if f.code == root.code), None)
    return finding or Finding(code=root.code, severity=Severity.FAIL, summary=root.summary)


def culprit_field(report: Report, connector: Connector | None = None) -> str | None:
    """The field behind the report's root cause, if any (``connector`` defaults to the one the
    report's target names; an unknown connector can still point at a ``config.invalid`` field)."""
    finding = root_finding(report)
    if finding is None:
        return None
    connector = connector or report_connector(report)
    if connector is not None:
        return field_for_finding(finding, connector)
    named = finding.evidence.get("field") if finding.code == "config.invalid" else None
    return str(named) if named else None
