"""The SFTP connector as the registry sees it (see :mod:`sourcedoctor.connectors.base`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from .settings import SftpSettings, build_settings, parse_sftp_url, redacted_url

#: Which settings field a finding points at: exact codes first, then prefixes.
_FIELD_EXACT: dict[str, str] = {
    "auth.password_rejected": "password",
    "auth.keyboard_interactive_only": "password",
    "auth.key_rejected": "key",
    "auth.no_credentials": "password",
    "auth.method_not_offered": "key",
    "auth.partial_success": "password",
    "ssh.hostkey_mismatch": "host_key_fingerprint",
    "ssh.hostkey_unknown": "host_key_fingerprint",
    "sftp.concurrency_limited": "max_connections",
    "path.naming_violation": "folder",
    "dns.private_address": "host",
}
_FIELD_PREFIX: dict[str, str] = {
    "key.": "key",
    "path.": "folder",
    "dns.": "host",
    "tcp.": "host",
    "ssh.not_ssh": "port",
    "ssh.": "host",
    "file.": "folder",
    "data.": "folder",
}
#: Settings names (and platform aliases) shown under another form id (key path/content share one).
FORM_ALIASES: dict[str, str] = {
    "key_path": "key",
    "key_content": "key",
    "privateKeyContent": "key",
    "userName": "user",
    "passPhrase": "passphrase",
    "folderPath": "folder",
    "maxConcurrentConnections": "max_connections",
}


class SftpConnector:
    """SFTP: DNS → TCP → banner → key exchange → host key → auth → SFTP → folder → files → data."""

    name = "sftp"
    schemes = ("sftp",)
    title = "SFTP server"
    audiences: Mapping[str, str] = {}  # the catalogue's audiences are written for SFTP already

    @property
    def settings_model(self) -> type[SftpSettings]:
        return SftpSettings

    def settings(self, url: str | None = None, **values: Any) -> SftpSettings:
        merged: dict[str, Any] = parse_sftp_url(url) if url else {}
        merged.update({k: v for k, v in values.items() if v is not None})
        return build_settings(**merged)

    def plan(self, settings: SftpSettings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: SftpSettings) -> Any:
        from .state import SftpState

        return SftpState()

    def target_block(self, settings: SftpSettings, target: str) -> dict[str, Any]:
        return {"connector": self.name, "profile": target, "url": redacted_url(settings),
                **settings.public_dict()}

    def redactor(self, settings: SftpSettings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        for secret in (settings.password, settings.key_content, settings.passphrase):
            red.add(secret)
        red.add_identity("host", settings.host)
        red.add_identity("user", settings.user)
        return red

    def reproduce(self, settings: SftpSettings, target: str, timeout: float) -> str:
        parts = ["sourcedoctor", "check", redacted_url(settings)]
        # The variables the user named when known (a fleet row's password_env), else the usual ones.
        from ..common import _add, secret_env

        _add(parts, [secret_env("--password", settings.password, "SFTP_PASSWORD")])
        if settings.key_path:
            parts += ["--key", settings.key_path]
        elif settings.key_content is not None:
            parts += ["--key", "KEYFILE"]
        _add(parts, [secret_env("--passphrase", settings.passphrase, "SFTP_PASSPHRASE")])
        for flag, value in (
            ("--known-hosts", settings.known_hosts),
            ("--host-key-fingerprint", settings.host_key_fingerprint),
            ("--resolver", settings.resolver),
            ("--file", settings.file),
        ):
            if value:
                parts += [flag, value]
        if target != "generic":
            parts += ["--target", target]
        if timeout != 10.0:
            parts += ["--timeout", f"{timeout:g}"]
        if settings.max_connections != 3:
            parts += ["--max-connections", str(settings.max_connections)]
        if settings.max_entries != 10_000:
            parts += ["--max-entries", str(settings.max_entries)]
        return " ".join(parts)

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, _FIELD_PREFIX, FORM_ALIASES)

    source_layer = "sftp.folder"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        return state.source, state.folder


CONNECTOR = SftpConnector()
