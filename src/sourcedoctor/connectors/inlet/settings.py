"""Streaming inlet settings: the pydantic model, inlet URL parsing, derived endpoint facts.

Field aliases are the platform's own names (``inletUrl``, ``inletId``, ``flowId``/
``x-adobe-flow-id``, ``imsOrgId``/``x-gw-ims-org-id``, ``authenticationRequired``), so a connection
JSON copied from the platform validates as it is. The bearer token is a SecretStr that only comes
from ``--token-env VAR`` / ``--token-stdin``.

The inlet id is kept exactly as given (a trailing space included): the settings layer judges it
and says what is wrong, instead of refusing the whole command line.

Only the standard library and pydantic are imported here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...config.fields import HostFacts, Resolver, cli, endpoint_parts, has_control, plain_text
from ...config.urls import SettingsError
from ...config.validation import build
from ...userfiles import UserFileError, check_regular, read_ca_bundle

#: The production inlet host (the platform answers on regional hosts too).
DEFAULT_HOST = "dcs.adobedc.net"
#: A well-formed inlet id: 64 lower-case hexadecimal characters (a SHA-256 in hex).
INLET_ID = re.compile(r"^[0-9a-f]{64}$")
_COLLECTION = "/collection/"



def claims(url: str) -> bool:
    """Whether ``url`` names a streaming inlet: ``inlet://…`` or an http(s) URL whose path is
    ``/collection/…`` (every other https:// URL is left to other connectors)."""
    head, sep, rest = url.strip().partition("://")
    if not sep:
        return False
    scheme = head.lower()
    if scheme == "inlet":
        return True
    path = rest.partition("/")[2]
    return scheme in ("https", "http") and ("/" + path).startswith(_COLLECTION)


class InletSettings(HostFacts, BaseModel):
    """Everything needed to reach one HTTP streaming inlet and check what would be sent to it."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    inlet_url: str = Field(
        alias="inletUrl", validation_alias=AliasChoices("inletUrl", "inlet_url"),
        description="The streaming endpoint, https://dcs.adobedc.net/collection/{inletId}.",
        json_schema_extra=cli("--inlet-url", url_only=True))
    flow_id: str | None = Field(
        None, alias="flowId", validation_alias=AliasChoices("flowId", "x-adobe-flow-id", "flow_id"),
        description="The dataflow id sent as the x-adobe-flow-id header (needed for raw JSON, "
                    "which a dataflow maps to XDM).", json_schema_extra=cli("--flow-id"))
    ims_org: str | None = Field(
        None, alias="imsOrgId", validation_alias=AliasChoices("imsOrgId", "x-gw-ims-org-id", "ims_org"),
        description="The IMS organisation id (…@AdobeOrg) sent as the x-gw-ims-org-id header.",
        json_schema_extra=cli("--ims-org"))
    sandbox_name: str | None = Field(
        None, alias="sandboxName", validation_alias=AliasChoices("sandboxName", "x-sandbox-name",
                                                                 "sandbox_name"),
        description="Sandbox name sent as the x-sandbox-name header (optional).",
        json_schema_extra=cli("--sandbox-name"))
    authenticated: bool | None = Field(
        None, alias="authenticationRequired",
        validation_alias=AliasChoices("authenticationRequired", "authenticated"),
        description="The inlet is an authenticated connection (it needs a bearer token).",
        json_schema_extra=cli("--authenticated"))
    token: SecretStr | None = Field(
        None, alias="accessToken", validation_alias=AliasChoices("accessToken", "token"),
        description="Bearer access token (an IMS JWT) for an authenticated inlet.",
        json_schema_extra=cli("--token", secret=True))
    file: str | None = Field(
        None, description="Local records file to validate (JSON, or JSON lines: one record a line).",
        json_schema_extra=cli("--file"))
    send: bool = Field(
        False, description="Really send ONE record of --file to the inlet (default: dry run, "
                           "nothing is written).", json_schema_extra=cli("--send"))
    ca_bundle: str | None = Field(
        None, description="PEM file of the CA(s) to trust for the inlet's TLS certificate.",
        json_schema_extra=cli("--ca-bundle"))
    resolver: Resolver = Field(
        None, description="DNS server to ask, IP[:PORT] (default: system).",
        json_schema_extra=cli("--resolver"))

    @field_validator("inlet_url")
    @classmethod
    def _inlet_url(cls, v: str) -> str:
        if has_control(v):
            raise ValueError("contains a control character; paste the URL again")
        v = v.lstrip()  # a trailing space is part of the inlet id: the settings layer names it
        if urlsplit(v).scheme.lower() not in ("https", "http"):
            raise ValueError("must be the inlet's https:// URL, e.g. "
                             "https://dcs.adobedc.net/collection/{inletId}")
        parts = endpoint_parts(v, example="", credentials="must not contain credentials; give the "
                                                          "token with --token-env VAR")
        if not parts.path.startswith(_COLLECTION) or not parts.path[len(_COLLECTION):].strip("/ "):
            raise ValueError("must end with /collection/{inletId}")
        return v

    @field_validator("flow_id", "ims_org", "sandbox_name")
    @classmethod
    def _header_value(cls, v: str | None) -> str | None:
        # Kept as given (no strip): the settings layer names stray spaces.
        return plain_text(v, "a header value", control="contains a control character; a header value cannot")

    @field_validator("ca_bundle", "file")
    @classmethod
    def _regular(cls, v: str | None, info: Any) -> str | None:
        if v is None:
            return None
        what = "the PEM file of the CA certificate(s)" if info.field_name == "ca_bundle" \
            else "the records file (JSON or JSON lines)"
        try:  # before any read: a FIFO would block, a directory would confuse the reader
            if info.field_name == "ca_bundle":
                read_ca_bundle(v)  # bounded, and PEM, as every connector's CaBundle
            else:
                check_regular(v, info.field_name, fix=f"give {what}")
        except UserFileError as exc:
            raise ValueError(exc.message) from None
        return v

    # --- derived facts (what the shared DNS/TCP/TLS layers need) -----------------------------

    @property
    def _parts(self) -> SplitResult:
        return urlsplit(self.inlet_url)

    @property
    def host(self) -> str:
        return self._parts.hostname or ""

    @property
    def port(self) -> int:
        parts = self._parts
        return parts.port or (443 if parts.scheme.lower() == "https" else 80)

    @property
    def tls(self) -> bool:
        return bool(self._parts.scheme.lower() == "https")

    @property
    def inlet_id(self) -> str:
        """The inlet id exactly as given (unquoted; spaces kept)."""
        return unquote(self._parts.path[len(_COLLECTION):]).rstrip("/")

    @property
    def request_path(self) -> str:
        """Path and query requests go to (the query as given: ``synchronousValidation=true``…)."""
        parts = self._parts
        return parts.path.strip() + (f"?{parts.query}" if parts.query else "")

    @property
    def flow_id_in_url(self) -> str | None:
        values = parse_qs(self._parts.query).get("x-adobe-flow-id")
        return values[0] if values else None

    @property
    def effective_flow_id(self) -> str | None:
        return self.flow_id or self.flow_id_in_url

    @property
    def needs_token(self) -> bool:
        """An authenticated inlet, or a token given (then it is sent and judged)."""
        return bool(self.authenticated) or self.token is not None

    def headers(self) -> dict[str, str]:
        """The request headers besides Authorization (which the client adds from ``token``)."""
        out = {"Content-Type": "application/json", "User-Agent": "sourcedoctor"}
        if self.flow_id:
            out["x-adobe-flow-id"] = self.flow_id.strip()
        if self.ims_org:
            out["x-gw-ims-org-id"] = self.ims_org.strip()
        if self.sandbox_name:
            out["x-sandbox-name"] = self.sandbox_name.strip()
        return out

    def public_dict(self) -> dict[str, Any]:
        """The settings for reports: the token replaced by whether it was given."""
        out = self.model_dump(exclude={"token"})
        out["token"] = "set" if self.token else None
        out.update(host=self.host, port=self.port, inlet_id=self.inlet_id,
                   flow_id=self.effective_flow_id)
        return out



def parse_inlet_url(url: str) -> dict[str, Any]:
    """``https://HOST/collection/ID`` (or ``inlet://HOST/collection/ID``, or ``inlet://ID`` for the
    default host) → settings values. Raises SettingsError naming the URL."""
    text = url.lstrip()
    head, sep, rest = text.partition("://")
    if not sep:
        raise SettingsError("url", f"{url!r} is not an inlet URL (https://HOST/collection/INLET_ID)")
    if head.lower() == "inlet":
        if "/" not in rest.strip("/"):  # inlet://ID: the production host
            rest = f"{DEFAULT_HOST}{_COLLECTION}{rest.strip('/')}"
        text = "https://" + rest
    elif not claims(text):
        raise SettingsError("url", "must be https://HOST/collection/INLET_ID")
    return {"inlet_url": text}


def build_settings(**values: Any) -> InletSettings:
    """Validate settings, turning pydantic's error into one SettingsError naming the field."""
    return build(InletSettings, values)


def redacted_url(settings: InletSettings) -> str:
    """The inlet URL (it holds no secret: the token travels in a header)."""
    return settings.inlet_url
