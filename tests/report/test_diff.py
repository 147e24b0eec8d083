"""Comparing two runs: fixed / new / still failing / not re-checked / evidence changes / worse."""

from __future__ import annotations

from dataclasses import replace

from sourcedoctor.codes import make_finding
from sourcedoctor.model import CheckResult, Status
from sourcedoctor.report import diff_reports
from sourcedoctor.report.samples import (
    HOST_KEY_SHA256,
    HOST_KEY_SHA256_NEW,
    failing_report,
    passing_report,
)


def _codes(items: list) -> list[str]:  # type: ignore[type-arg]
    return [f.code for f in items]


def test_fixed_after_the_customer_applied_the_fix() -> None:
    d = diff_reports(failing_report(), passing_report())
    assert _codes(d.fixed) == ["ssh.hostkey_unknown", "auth.method_not_offered"]
    assert d.new == [] and d.still == [] and not d.worse
    assert ("ssh.auth", "fail", "pass") in [(c.check, c.old, c.new) for c in d.status_changes]


def test_regression_is_worse() -> None:
    d = diff_reports(passing_report(), failing_report())
    assert _codes(d.new) == ["ssh.hostkey_unknown", "auth.method_not_offered"]
    assert d.worse
    assert d.to_dict()["worse"] is True


def test_still_failing_and_host_key_change() -> None:
    d = diff_reports(failing_report(HOST_KEY_SHA256), failing_report(HOST_KEY_SHA256_NEW))
    assert _codes(d.still) == ["ssh.hostkey_unknown", "auth.method_not_offered"]
    assert d.fixed == [] and d.new == [] and not d.worse
    changed = {(c.check, c.code, c.field): (c.old, c.new) for c in d.evidence_changes}
    assert changed[("ssh.transport", "ssh.hostkey_unknown", "sha256")] == (
        HOST_KEY_SHA256, HOST_KEY_SHA256_NEW)
    assert changed[("ssh.transport", None, "host_key_sha256")] == (
        HOST_KEY_SHA256, HOST_KEY_SHA256_NEW)
    assert "host_key_sha256" in d.to_text()


def test_blocked_check_is_not_fixed() -> None:
    """A folder problem hidden behind a new auth failure is 'not re-checked', not 'fixed'."""
    base = passing_report()
    missing = make_finding("path.not_found", "inbound/daily does not exist")
    old_checks = tuple(
        CheckResult(c.check_id, c.title, Status.FAIL, 3, (missing,)) if c.check_id == "sftp.folder"
        else c for c in base.checks)
    old = replace(base, checks=old_checks)
    d = diff_reports(old, failing_report())
    assert _codes(d.unverified) == ["path.not_found"]
    assert "path.not_found" not in _codes(d.fixed)
    assert d.worse  # auth broke


def test_identical_runs() -> None:
    d = diff_reports(failing_report(), failing_report())
    assert d.fixed == [] and d.new == [] and d.unverified == []
    assert d.evidence_changes == [] and d.status_changes == []
    assert not d.worse
