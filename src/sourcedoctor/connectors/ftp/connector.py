"""The FTP/FTPS connector as the registry sees it (see :mod:`sourcedoctor.connectors.base`).

Importing this module loads pydantic and the engine's check types, never ftplib: the session is
opened by the login layer when a run reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from ..common import command_line, secret_env, settings_from, unless
from .settings import FtpSettings, build_settings, parse_ftp_url, redacted_url

FTP_ADMIN = "the FTP server's administrator"

_FIELD_EXACT: dict[str, str] = {
    "auth.no_credentials": "password",
    "ftp.login_failed": "password",
    "ftp.is_sftp": "port_number",
    "ftp.not_ftp": "port_number",
    "ftp.tls_required": "tls_mode",
    "ftp.tls_unavailable": "tls_mode",
    "ftp.plaintext": "tls_mode",
    "ftp.data_tls_required": "data_protection",
    "tls.untrusted": "ca_bundle",
}
_FIELD_PREFIX: dict[str, str] = {
    "dns.": "host", "tcp.": "host", "tls.": "host", "ftp.": "host",
    "path.": "folder", "file.": "folder", "data.": "folder",
}
#: Platform aliases → settings names (the TUI's form ids are the settings names).
FORM_ALIASES: dict[str, str] = {"userName": "user", "folderPath": "folder", "port": "port_number"}


class FtpConnector:
    """FTP/FTPS: settings → DNS → TCP → greeting → TLS → login → data channel → folder →
    listing → files → data."""

    name = "ftp"
    schemes = ("ftp", "ftps", "ftps+implicit")
    title = "FTP / FTPS server"
    # Only what the server's administrator changes is theirs: a wrong path (path.not_found,
    # path.not_a_directory) is yours and an empty folder the producer's, as the catalogue says.
    audiences: Mapping[str, str] = {"path.permission_denied": FTP_ADMIN, "file": FTP_ADMIN,
                                    "tls": FTP_ADMIN}

    @property
    def settings_model(self) -> type[FtpSettings]:
        return FtpSettings

    def settings(self, url: str | None = None, **values: Any) -> FtpSettings:
        return settings_from(url, values, parse_ftp_url, build_settings)

    def plan(self, settings: FtpSettings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: FtpSettings) -> Any:
        from .state import FtpState

        return FtpState()

    def target_block(self, settings: FtpSettings, target: str) -> dict[str, Any]:
        return {"connector": self.name, "profile": target, "url": redacted_url(settings),
                **settings.public_dict()}

    def redactor(self, settings: FtpSettings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        red.add(settings.password)
        red.add_identity("host", settings.host)
        red.add_identity("user", settings.user)
        return red

    def reproduce(self, settings: FtpSettings, target: str, timeout: float) -> str:
        s = settings
        return command_line(redacted_url(s), [
            secret_env("--password", s.password, "FTP_PASSWORD"),
            ("--data-protection", unless(s.data_protection, "private")),
            ("--ca-bundle", s.ca_bundle), ("--resolver", s.resolver), ("--file", s.file),
        ], target=target, timeout=timeout, tail=[("--max-entries", unless(s.max_entries, 10_000))])

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, _FIELD_PREFIX, FORM_ALIASES)

    source_layer = "ftp.listing"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        return state.source, state.folder


CONNECTOR = FtpConnector()
