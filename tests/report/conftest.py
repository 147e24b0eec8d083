"""Fixtures for the report writers: the sample reports (plain data, fixed times and versions)."""

from __future__ import annotations

import pytest

from sourcedoctor.model import Report
from sourcedoctor.report.samples import failing_report, internal_error_report, passing_report


@pytest.fixture(params=["pass", "fail", "error"])
def sample(request: pytest.FixtureRequest) -> tuple[str, Report]:
    """Each sample report with its name."""
    build = {"pass": passing_report, "fail": failing_report, "error": internal_error_report}
    return request.param, build[request.param]()
