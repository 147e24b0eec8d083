"""The S3 connector as the registry sees it (see :mod:`sourcedoctor.connectors.base`).

Importing this module loads pydantic and the engine's check types, never botocore: the client is
created by the signature layer when a run reaches it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ...codes import BUCKET_OWNER
from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from ..common import command_line, secret_env, settings_from, unless
from .settings import S3Settings, build_settings, parse_s3_url, redacted_url

#: Which settings field a finding points at: exact codes first, then prefixes.
_FIELD_EXACT: dict[str, str] = {
    "auth.no_credentials": "access_key_id",
    "s3.invalid_access_key": "access_key_id",
    "s3.signature_mismatch": "secret_access_key",
    "s3.token_expired": "session_token",
    "s3.token_invalid": "session_token",
    "s3.wrong_region": "endpoint_url",
    "s3.virtual_host_unresolved": "addressing_style",
    "s3.bucket_name_invalid": "bucket",
    "s3.bucket_name_has_folder": "bucket",
    "s3.no_such_bucket": "bucket",
    "tls.untrusted": "ca_bundle",
    "tls.plaintext": "endpoint_url",
    "path.naming_violation": "folder",
}
_FIELD_PREFIX: dict[str, str] = {
    "dns.": "endpoint_url",
    "tcp.": "endpoint_url",
    "tls.": "endpoint_url",
    "path.": "folder",
    "file.": "folder",
    "data.": "folder",
}
#: Platform aliases → settings names (the TUI's form ids are the settings names).
FORM_ALIASES: dict[str, str] = {
    "bucketName": "bucket", "folderPath": "folder", "s3AccessKey": "access_key_id",
    "accessKeyId": "access_key_id", "s3SecretKey": "secret_access_key",
    "secretAccessKey": "secret_access_key", "s3SessionToken": "session_token",
    "serviceUrl": "endpoint_url",
}
#: Environment variables the credentials layer may take secrets from (registered for masking).
_SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class S3Connector:
    """S3 API: settings → credentials → addressing → DNS → TCP → TLS → signature → bucket →
    listing → objects → data."""

    name = "s3"
    schemes = ("s3", "gs")
    title = "Amazon S3 / S3-compatible storage"
    audiences: Mapping[str, str] = {
        "path": BUCKET_OWNER, "file": BUCKET_OWNER,
        "tcp": "whoever runs the endpoint (the storage service, or your proxy or firewall)",
    }

    @property
    def settings_model(self) -> type[S3Settings]:
        return S3Settings

    def settings(self, url: str | None = None, **values: Any) -> S3Settings:
        return settings_from(url, values, parse_s3_url, build_settings)

    def plan(self, settings: S3Settings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: S3Settings) -> Any:
        from .state import S3State

        return S3State()

    def target_block(self, settings: S3Settings, target: str) -> dict[str, Any]:
        return {"connector": self.name, "profile": target, "url": redacted_url(settings),
                "host": settings.host, **settings.public_dict()}

    def redactor(self, settings: S3Settings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        red.add(settings.secret_access_key)
        red.add(settings.session_token)
        for var in _SECRET_ENV:  # the credentials layer may sign with these
            red.add(os.environ.get(var))
        for host in {settings.host, settings.endpoint_host}:
            red.add_identity("host", host)
        red.add_identity("host", settings.bucket)
        red.add_identity("user", settings.access_key_id)
        return red

    def reproduce(self, settings: S3Settings, target: str, timeout: float) -> str:
        s = settings
        return command_line(redacted_url(s), [
            ("--endpoint-url", s.endpoint_url if s.provider != "gcs" else None),  # gs:// implies it
            ("--access-key-id", s.access_key_id),
            secret_env("--secret-access-key", s.secret_access_key, "S3_SECRET_ACCESS_KEY"),
            secret_env("--session-token", s.session_token, "S3_SESSION_TOKEN"),
            ("--region", s.region), ("--ca-bundle", s.ca_bundle), ("--aws-profile", s.aws_profile),
            ("--resolver", s.resolver), ("--file", s.file),
            ("--addressing-style", unless(s.addressing_style, "auto")),
        ], target=target, timeout=timeout, tail=[("--max-entries", unless(s.max_entries, 10_000))])

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, _FIELD_PREFIX, FORM_ALIASES)

    source_layer = "s3.listing"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        return state.source, state.folder


CONNECTOR = S3Connector()
