"""Layer 1 — settings: what can be judged before any network use."""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ....report.escape import first_unsafe_char
from ..settings import FtpSettings
from ..state import FtpState


class FtpSettingsCheck(Check[FtpSettings, FtpState]):
    """Cross-field rules the settings model cannot express field by field."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[FtpSettings, FtpState]) -> Outcome:
        s = ctx.settings
        findings: list[Finding] = []
        bad = first_unsafe_char(s.folder)
        if bad is not None or "\0" in s.folder:
            findings.append(make_finding(
                "config.invalid", "The folder path contains a control character",
                evidence={"field": "folder", "position": (bad[0] if bad else s.folder.index("\0")) + 1},
                field="folder"))
        if s.data_protection == "clear" and not s.tls:
            findings.append(make_finding(
                "config.invalid", "--data-protection applies to ftps:// only",
                evidence={"field": "data_protection"}, field="data_protection"))
        facts: dict[str, Any] = {"host": s.host, "port": s.port, "tls": s.tls_mode,
                                 "user": s.login_user, "folder": s.folder or "(login folder)",
                                 "password": "given" if s.password is not None else "none"}
        return Outcome.of(findings, **facts)
