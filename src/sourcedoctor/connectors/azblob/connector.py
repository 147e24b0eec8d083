"""The Azure Blob connector as the registry sees it (see :mod:`sourcedoctor.connectors.base`).

Importing this module loads pydantic and the engine's check types, never the Azure SDK: the client
is created by the authentication layer when a run reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from ..common import command_line, secret_env, settings_from, unless
from .settings import AzblobSettings, build_settings, parse_azblob_url, redacted_url

_FIELD_EXACT: dict[str, str] = {
    "auth.no_credentials": "connection_string",
    "blob.connection_string_invalid": "connection_string",
    "blob.account_key_invalid": "connection_string",
    "blob.container_not_found": "container",
    "blob.service_principal_unverified": "service_principal_id",
    "tls.untrusted": "ca_bundle",
    "tls.plaintext": "endpoint_url",
    "path.naming_violation": "folder",
}
_FIELD_PREFIX: dict[str, str] = {
    "blob.sas_": "sas_uri",
    "blob.auth_failed": "connection_string",
    "blob.permission_denied": "sas_uri",
    "dns.": "endpoint_url",
    "tcp.": "endpoint_url",
    "tls.": "endpoint_url",
    "path.": "folder",
    "file.": "folder",
    "data.": "folder",
}
#: Platform aliases → settings names (the TUI's form ids are the settings names).
FORM_ALIASES: dict[str, str] = {
    "connectionString": "connection_string", "sasUri": "sas_uri", "folderPath": "folder",
    "serviceEndpoint": "service_endpoint", "servicePrincipalId": "service_principal_id",
    "servicePrincipalKey": "service_principal_key", "accountKind": "account_kind",
    "accountName": "account",
}
BLOB_OWNER = "the storage account's owner"
#: The settings field of each authentication method (where a refused credential came from).
_METHOD_FIELD = {"account_key": "connection_string", "sas": "sas_uri",
                 "service_principal": "service_principal_id"}


class AzblobConnector:
    """Azure Blob Storage: settings → DNS → TCP → TLS → authentication → container → listing →
    blobs → data."""

    name = "azblob"
    schemes = ("azblob",)
    title = "Azure Blob Storage"
    audiences: Mapping[str, str] = {
        "path": BLOB_OWNER, "file": BLOB_OWNER,
        "tcp": "whoever runs the endpoint (Azure Storage, or your proxy or firewall)",
    }

    @property
    def settings_model(self) -> type[AzblobSettings]:
        return AzblobSettings

    def settings(self, url: str | None = None, **values: Any) -> AzblobSettings:
        return settings_from(url, values, parse_azblob_url, build_settings)

    def plan(self, settings: AzblobSettings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: AzblobSettings) -> Any:
        from .state import AzblobState

        return AzblobState()

    def target_block(self, settings: AzblobSettings, target: str) -> dict[str, Any]:
        return {"connector": self.name, "profile": target, "url": redacted_url(settings),
                "host": settings.host, **settings.public_dict()}

    def redactor(self, settings: AzblobSettings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        s, r = settings, settings.resolved
        for secret in (s.connection_string, s.sas_uri, s.service_principal_key):
            red.add(secret)
        red.add(r.account_key)
        if r.sas is not None:
            red.add(r.sas.token)
            red.add(r.sas.signature)
            red.add(unquote(r.sas.signature))
        if r.connection_string is not None:
            red.add(r.connection_string.get("SharedAccessSignature"))
        red.add_identity("host", settings.host)
        red.add_identity("host", r.account)
        red.add_identity("user", s.service_principal_id)
        return red

    def reproduce(self, settings: AzblobSettings, target: str, timeout: float) -> str:
        s = settings
        return command_line(redacted_url(s), [
            secret_env("--connection-string", s.connection_string, "AZURE_STORAGE_CONNECTION_STRING"),
            secret_env("--sas-uri", s.sas_uri, "AZURE_STORAGE_SAS_URI"),
            secret_env("--service-principal-key", s.service_principal_key, "AZURE_CLIENT_SECRET"),
            ("--endpoint-url", s.endpoint_url), ("--service-endpoint", s.service_endpoint),
            ("--service-principal-id", s.service_principal_id), ("--tenant", s.tenant),
            ("--account-kind", s.account_kind), ("--ca-bundle", s.ca_bundle),
            ("--resolver", s.resolver), ("--file", s.file),
        ], target=target, timeout=timeout, tail=[("--max-entries", unless(s.max_entries, 10_000))])

    def field_for(self, finding: Finding) -> str | None:
        # A settings-layer finding names the field it was found in (a SAS can come from the
        # connection string); a refusal points at the credential its run used.
        named = finding.evidence.get("field")
        if isinstance(named, str) and FORM_ALIASES.get(named, named) in AzblobSettings.model_fields:
            return FORM_ALIASES.get(named, named)
        method = finding.evidence.get("auth_method")
        if finding.code in ("blob.auth_failed", "blob.permission_denied") and method in _METHOD_FIELD:
            return _METHOD_FIELD[str(method)]
        return field_by_code(finding, _FIELD_EXACT, _FIELD_PREFIX, FORM_ALIASES)

    source_layer = "blob.listing"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        return state.source, state.folder


CONNECTOR = AzblobConnector()
