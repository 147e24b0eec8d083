"""Fixed data for snapshot tests: reports, a sample, an ingest result. Nothing here touches a network,
a clock or a random generator, so every rendering of it is identical."""

from __future__ import annotations

from sourcedoctor.codes import make_finding
from sourcedoctor.model import CheckResult, Report, Status, Verdict, find_root_cause
from sourcedoctor.preview.model import Column, Dialect, RowProblem, SampleResult
from sourcedoctor.sources.base import FileEntry

TARGET = {"connector": "sftp", "profile": "generic", "url": "sftp://ingest@sftp.example.com/inbound"}
TOOL = {"sourcedoctor": "0.1.0", "python": "3.11.7"}
MTIME = 1_736_933_400.0  # 2025-01-15 09:30 UTC

_EARLY = (
    CheckResult("config", "Connection settings", Status.PASS, 1),
    CheckResult("dns.resolve", "DNS resolution", Status.PASS, 12,
                facts={"addresses": ["203.0.113.10"]}),
    CheckResult("tcp.connect", "TCP connection", Status.PASS, 3),
    CheckResult("ssh.banner", "SSH banner", Status.PASS, 21,
                facts={"banner": "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"}),
    CheckResult("ssh.kex", "SSH key exchange", Status.PASS, 48),
)
_PASSWORD_REJECTED = make_finding(
    "auth.password_rejected",
    "The server refused the password for user 'ingest'",
    evidence={"user": "ingest", "methods_allowed": ["publickey", "password"]},
    fix=["Check the password with the SFTP server's administrator (it is case-sensitive).",
         "Confirm the account 'ingest' exists and may log in (AllowUsers / AllowGroups)."],
)


def failing_report() -> Report:
    """Password refused: auth fails, everything after it is blocked."""
    checks = (
        *_EARLY,
        CheckResult("ssh.hostkey", "Host key", Status.WARN, 0, findings=(make_finding(
            "ssh.hostkey_unknown", "No pinned host key; confirm SHA256:pQ3v0cWq1Ewm8n2y out of band",
            evidence={"fingerprint": "SHA256:pQ3v0cWq1Ewm8n2y5cO0M9Hkq7m9bV1l7bW2t0hH3ZI"},
            fingerprint="SHA256:pQ3v0cWq1Ewm8n2y"),)),
        CheckResult("ssh.auth", "Authentication", Status.FAIL, 840,
                    findings=(_PASSWORD_REJECTED,)),
        CheckResult("sftp.subsystem", "SFTP subsystem", Status.SKIP, blocked_by="ssh.auth"),
        CheckResult("sftp.folder", "Folder", Status.SKIP, blocked_by="ssh.auth"),
        CheckResult("data.sample", "Data sample", Status.SKIP, blocked_by="ssh.auth"),
    )
    return Report("sourcedoctor.report/1", TOOL, TARGET, "2025-01-15T09:30:00+00:00", 1210,
                  Verdict.FAIL, find_root_cause(checks), checks)


def passing_report() -> Report:
    """Every layer passes."""
    checks = (
        *_EARLY,
        CheckResult("ssh.hostkey", "Host key", Status.PASS, 0),
        CheckResult("ssh.auth", "Authentication", Status.PASS, 95),
        CheckResult("sftp.subsystem", "SFTP subsystem", Status.PASS, 11),
        CheckResult("sftp.folder", "Folder", Status.PASS, 7, facts={"entries": 3}),
        CheckResult("data.sample", "Data sample", Status.PASS, 64,
                    facts={"format": "csv", "encoding": "utf-8"}),
    )
    return Report("sourcedoctor.report/1", TOOL, TARGET, "2025-01-15T09:30:00+00:00", 305,
                  Verdict.PASS, None, checks)


def cancelled_report() -> Report:
    """Esc pressed while the banner check hung: a partial result."""
    checks = (
        *_EARLY[:3],
        CheckResult("ssh.banner", "SSH banner", Status.SKIP, blocked_by="cancelled"),
        CheckResult("ssh.kex", "SSH key exchange", Status.SKIP, blocked_by="cancelled"),
    )
    return Report("sourcedoctor.report/1", TOOL, TARGET, "2025-01-15T09:30:00+00:00", 4120,
                  Verdict.INCOMPLETE, None, checks, interrupted=True)


ENTRY = FileEntry("inbound/customers.csv", "customers.csv", 2_048, MTIME, "file")


def sample() -> SampleResult:
    """A CSV sample with one ragged row."""
    rows = tuple(
        {"id": str(n), "email": f"user{n}@example.com", "country": c, "lifetime_value": v}
        for n, c, v in ((1, "PT", "1520.50"), (2, "US", "310.00"), (3, "", "2200.75"),
                        (4, "PL", "0.00"), (5, "DK", "845.10"))
    )
    return SampleResult(
        path=ENTRY.path, size=ENTRY.size, format="csv", encoding="utf-8", line_ending="\n",
        dialect=Dialect(delimiter=",", header=True),
        columns=(Column("id", "BIGINT", False, ("1",)),
                 Column("email", "VARCHAR", False, ("user1@example.com",)),
                 Column("country", "VARCHAR", True, ("PT",)),
                 Column("lifetime_value", "DOUBLE", False, ("1520.5",))),
        rows=rows,
        problems=(RowProblem(4, "3 fields, expected 4", "3,user3@example.com,2200.75"),),
        confidence={"format": 1.0, "encoding": 0.99, "dialect": 0.95, "header": 0.9},
        findings=(make_finding("data.csv_ragged", "1 row has the wrong number of fields",
                               evidence={"lines": [4]}),),
        bytes_read=2_048,
    )
