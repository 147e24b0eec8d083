"""Layer 1 — settings: what can be judged before any network use."""

from __future__ import annotations

from ..codes import make_finding
from ..config.sftp import SftpSettings
from ..connectors.sftp.state import SftpState
from ..report.escape import first_unsafe_char
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
        bad = first_unsafe_char(s.folder)  # C0/C1 controls, DEL, bidi and zero-width characters
        if bad is not None:
            findings.append(make_finding(
                "config.invalid", f"The folder path contains the control character {bad[1]}",
                evidence={"field": "folder", "position": bad[0] + 1}, field="folder",
            ))
        facts = {"host": s.host, "port": s.port, "user": s.user, "folder": s.folder or "(login dir)",
                 "auth": [m for m, given in (("password", s.password is not None),
                                             ("publickey", s.has_key)) if given]}
        return Outcome.of(findings, **facts)
