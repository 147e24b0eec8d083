"""Layer 1 — settings: what can be judged before any network use."""

from __future__ import annotations

from ..codes import make_finding
from ..config.sftp import SftpSettings
from ..connectors.sftp.state import SftpState
from .base import Check, Context, Outcome


class SettingsCheck(Check[SftpSettings, SftpState]):
    """Cross-field rules the settings model cannot express field by field."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        s = ctx.settings
        findings = []
        if s.key_path and s.key_content is not None:
            findings.append(make_finding(
                "config.invalid", "Both a key file and pasted key content were given",
                evidence={"field": "key"}, field="key (give --key FILE or the key content, not both)",
            ))
        if any(ord(c) < 32 for c in s.folder):
            findings.append(make_finding(
                "config.invalid", "The folder path contains control characters",
                evidence={"field": "folder"}, field="folder",
            ))
        facts = {"host": s.host, "port": s.port, "user": s.user, "folder": s.folder or "(login dir)",
                 "auth": [m for m, given in (("password", s.password is not None),
                                             ("publickey", s.has_key)) if given]}
        return Outcome.of(findings, **facts)
