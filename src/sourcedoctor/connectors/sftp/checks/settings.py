"""Layer 1 — settings: the shared folder rule, plus SFTP's own (one key, given one way)."""

from __future__ import annotations

from typing import Any

from ....checks.settings import SettingsCheck
from ....codes import make_finding
from ....model import Finding
from ..settings import SftpSettings


class SftpSettingsCheck(SettingsCheck[SftpSettings]):
    """The shared settings layer with SFTP's cross-field rule and facts (user, auth methods)."""

    def rules(self, settings: SftpSettings) -> list[Finding]:
        if settings.key_path and settings.key_content is not None:
            return [make_finding(
                "config.invalid", "Both a key file and pasted key content were given",
                evidence={"field": "key"}, field="key (give --key FILE or the key content, not both)",
            )]
        return []

    def facts(self, settings: SftpSettings) -> dict[str, Any]:
        s = settings
        return {"host": s.host, "port": s.port, "user": s.user, "folder": s.folder or "(login dir)",
                "auth": [m for m, given in (("password", s.password is not None),
                                            ("publickey", s.has_key)) if given]}
