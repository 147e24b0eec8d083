"""The Kinesis connector as the registry sees it (see :mod:`sourcedoctor.connectors.base`).

Importing this module loads pydantic and the engine's check types, never botocore.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from ..common import command_line, secret_env, settings_from, unless
from .settings import KinesisSettings, build_settings, parse_kinesis_url, redacted_url

_FIELD_EXACT: dict[str, str] = {
    "auth.no_credentials": "access_key_id",
    "kinesis.invalid_access_key": "access_key_id",
    "kinesis.signature_mismatch": "secret_access_key",
    "kinesis.stream_not_found": "stream",
    "kinesis.stream_empty": "stream",
    "tls.untrusted": "ca_bundle",
    "tls.plaintext": "endpoint_url",
}
_FIELD_PREFIX: dict[str, str] = {"dns.": "endpoint_url", "tcp.": "endpoint_url",
                                 "tls.": "endpoint_url", "kinesis.": "stream"}
FORM_ALIASES: dict[str, str] = {"accessKeyId": "access_key_id", "secretKey": "secret_access_key",
                                "secretAccessKey": "secret_access_key", "streamName": "stream",
                                "endpointUrl": "endpoint_url", "sessionToken": "session_token"}
_SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class KinesisConnector:
    """Kinesis: settings → credentials → DNS → TCP → TLS → stream → records."""

    name = "kinesis"
    schemes = ("kinesis",)
    title = "Amazon Kinesis Data Streams"
    audiences: Mapping[str, str] = {"tcp": "whoever runs the endpoint (AWS, or your proxy or firewall)"}

    @property
    def settings_model(self) -> type[KinesisSettings]:
        return KinesisSettings

    def settings(self, url: str | None = None, **values: Any) -> KinesisSettings:
        return settings_from(url, values, parse_kinesis_url, build_settings)

    def plan(self, settings: KinesisSettings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: KinesisSettings) -> Any:
        from .state import KinesisState

        return KinesisState()

    def target_block(self, settings: KinesisSettings, target: str) -> dict[str, Any]:
        return {"connector": self.name, "profile": target, "url": redacted_url(settings),
                "host": settings.host, **settings.public_dict()}

    def redactor(self, settings: KinesisSettings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        red.add(settings.secret_access_key)
        red.add(settings.session_token)
        for var in _SECRET_ENV:  # the credentials layer may sign with these
            red.add(os.environ.get(var))
        red.add_identity("host", settings.host)
        red.add_identity("user", settings.access_key_id)
        return red

    def reproduce(self, settings: KinesisSettings, target: str, timeout: float) -> str:
        s = settings
        return command_line(redacted_url(s), [
            ("--endpoint-url", s.endpoint_url), ("--access-key-id", s.access_key_id),
            ("--ca-bundle", s.ca_bundle), ("--aws-profile", s.aws_profile),
            ("--resolver", s.resolver),
            secret_env("--secret-access-key", s.secret_access_key, "KINESIS_SECRET_ACCESS_KEY"),
            secret_env("--session-token", s.session_token, "KINESIS_SESSION_TOKEN"),
            ("--rows", unless(s.rows, 10)),
        ], target=target, timeout=timeout)

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, _FIELD_PREFIX, FORM_ALIASES)

    source_layer = "kinesis.stream"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        return state.source, state.stream


CONNECTOR = KinesisConnector()
