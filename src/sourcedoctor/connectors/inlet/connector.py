"""The HTTP streaming inlet as the registry sees it (see :mod:`sourcedoctor.connectors.base`).

It owns ``inlet://`` URLs and, among ``https://`` URLs, only those whose path is
``/collection/…`` (:meth:`InletConnector.claims`). Importing this module loads pydantic and the
engine's check types; http.client is imported only when a request is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from ..common import command_line, secret_env, settings_from
from .settings import InletSettings, build_settings, claims, parse_inlet_url, redacted_url

_FIELD_EXACT: dict[str, str] = {
    "auth.no_credentials": "token",
    "stream.token_expired": "token",
    "stream.token_missing": "token",
    "stream.token_refused": "token",
    "stream.token_prefixed": "token",
    "stream.forbidden": "token",
    "stream.flow_id_missing": "flow_id",
    "stream.ims_org_wrong": "ims_org",
    "tls.untrusted": "ca_bundle",
    "stream.unexpected_answer": "inlet_url",
    "stream.throttled": "inlet_url",
    "stream.unavailable": "inlet_url",
}
_FIELD_PREFIX: dict[str, str] = {
    "dns.": "inlet_url", "tcp.": "inlet_url", "tls.": "inlet_url", "stream.": "file", "data.": "file",
}
#: Platform aliases → settings names.
FORM_ALIASES: dict[str, str] = {
    "inletUrl": "inlet_url", "flowId": "flow_id", "x-adobe-flow-id": "flow_id", "imsOrgId": "ims_org",
    "x-gw-ims-org-id": "ims_org", "sandboxName": "sandbox_name", "x-sandbox-name": "sandbox_name",
    "authenticationRequired": "authenticated", "accessToken": "token",
}


class InletConnector:
    """HTTP streaming inlet: settings → token → records → DNS → TCP → TLS → auth probe → send one
    record (``--send`` only)."""

    name = "inlet"
    schemes = ("inlet", "https")
    title = "HTTP streaming inlet"
    audiences: Mapping[str, str] = {
        "data": "whoever produces the records",
        "tcp": "whoever runs the network between this machine and the inlet (proxy, firewall)",
        # The catalogue writes these for files; here a producer sends messages.
        **{code: "whoever produces the messages (the sending application)" for code in (
            "stream.payload_too_large", "stream.xdm_envelope_incomplete", "stream.ims_org_wrong",
            "stream.unknown_xdm_format", "stream.invalid_xdm", "stream.schema_mismatch",
            "stream.array_body")},
    }

    @staticmethod
    def claims(url: str) -> bool:
        """``inlet://…``, or an http(s) URL whose path starts with ``/collection/``."""
        return claims(url)

    @property
    def settings_model(self) -> type[InletSettings]:
        return InletSettings

    def settings(self, url: str | None = None, **values: Any) -> InletSettings:
        return settings_from(url, values, parse_inlet_url, build_settings)

    def plan(self, settings: InletSettings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: InletSettings) -> Any:
        from .state import InletState

        return InletState()

    def target_block(self, settings: InletSettings, target: str) -> dict[str, Any]:
        return {"connector": self.name, "profile": target, "url": redacted_url(settings),
                "host": settings.host, **settings.public_dict()}

    def redactor(self, settings: InletSettings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        red.add(settings.token)
        if settings.token is not None:  # the token's parts, should a server echo one back
            for part in settings.token.get_secret_value().strip().split("."):
                if len(part) >= 16:
                    red.add(part)
        red.add_identity("host", settings.host)
        red.add_identity("user", settings.ims_org)
        return red

    def reproduce(self, settings: InletSettings, target: str, timeout: float) -> str:
        s = settings
        texts = [("--flow-id", s.flow_id), ("--ims-org", s.ims_org), ("--sandbox-name", s.sandbox_name),
                 ("--file", s.file), ("--ca-bundle", s.ca_bundle), ("--resolver", s.resolver)]
        return command_line(f"'{redacted_url(s)}'", [
            *((flag, value.strip() if value else None) for flag, value in texts),
            ("--authenticated", bool(s.authenticated)),
            secret_env("--token", s.token, "INLET_TOKEN"),
            ("--send", s.send),
        ], target=target, timeout=timeout)

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, _FIELD_PREFIX, FORM_ALIASES)

    source_layer = "stream.payload"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        return state.source, state.relation


CONNECTOR = InletConnector()
