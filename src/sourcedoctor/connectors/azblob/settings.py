"""Azure Blob connection settings: the pydantic model, ``azblob://`` URL parsing, derived facts.

Field aliases are the platform's own names (``connectionString``, ``sasUri``, ``container``,
``folderPath``; service principal ``serviceEndpoint``, ``servicePrincipalId``,
``servicePrincipalKey``, ``tenant``, ``accountKind``), so a connection JSON copied from the
platform validates as it is. Secrets (the connection string, the SAS URI, the service principal's
key) are SecretStr and only come from ``--…-env VAR`` / ``--…-stdin``.

The model accepts what a user pasted as long as it is text: whether a connection string or a SAS
is usable is judged by the settings *layer* (findings naming the key), not by a one-line error —
only the URL and plain fields are refused here. Only the standard library and pydantic are
imported: parsing a URL must not load the Azure SDK.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...config.fields import (
    CaBundle,
    HostFacts,
    PositiveInt,
    Resolver,
    cli,
    endpoint_parts,
    plain_text,
)
from ...config.urls import SettingsError
from ...config.validation import build
from .credentials import (
    DEV_ACCOUNT,
    DEV_KEY,
    ConnectionString,
    Problem,
    Sas,
    SasUri,
    account_key_problem,
    connection_string_endpoint,
    parse_connection_string,
    parse_sas_token,
    parse_sas_uri,
    split_blob_url,
)

_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")

#: Longest plain text field (account, container, identifiers, endpoints).
_MAX_TEXT = 2048


def _plain(v: str | None, what: str) -> str | None:
    """A plain text field: stripped, None when empty, no control characters, bounded."""
    return plain_text(v, what, max_len=_MAX_TEXT, strip=True, control="must not contain control characters")


@dataclass
class Resolved:
    """Who and where, from every place the settings can say it: the auth method, the blob
    service endpoint, the account, the container, and the problems found on the way."""

    method: str | None = None  # "account_key" | "sas" | "service_principal" | None
    endpoint: str | None = None
    account: str | None = None
    container: str | None = None
    account_key: str | None = None
    sas: Sas | None = None
    connection_string: ConnectionString | None = None
    sas_uri: SasUri | None = None
    problems: list[Problem] = field(default_factory=list)
    #: Where the endpoint came from ("endpoint_url", "connection_string", "sas_uri", …).
    endpoint_from: str | None = None


class AzblobSettings(HostFacts, BaseModel):
    """Everything needed to reach a container in Azure Blob Storage (or Azurite)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    account: str | None = Field(
        None, alias="accountName", validation_alias=AliasChoices("accountName", "account"),
        description="Storage account name (from the URL; may be left out when the connection "
                    "string or SAS URI names it).", json_schema_extra=cli("--account"))
    container: str | None = Field(
        None, description="Container name (may be left out when the SAS URI names it).",
        json_schema_extra={**cli("--container"), "essential": True})
    folder: str = Field(
        "", alias="folderPath", validation_alias=AliasChoices("folderPath", "folder"),
        description="Folder (blob name prefix) inside the container, e.g. inbound/daily; empty: "
                    "the whole container.", json_schema_extra=cli("--folder"))
    connection_string: SecretStr | None = Field(
        None, alias="connectionString",
        validation_alias=AliasChoices("connectionString", "connection_string"),
        description="Account key authentication (DefaultEndpointsProtocol=https;AccountName=…;"
                    "AccountKey=…;EndpointSuffix=core.windows.net).",
        json_schema_extra=cli("--connection-string", secret=True))
    sas_uri: SecretStr | None = Field(
        None, alias="sasUri", validation_alias=AliasChoices("sasUri", "sas_uri"),
        description="SAS URI authentication (https://ACCOUNT.blob.core.windows.net/CONTAINER?sv=…"
                    "&sp=rl&se=…&sig=…).", json_schema_extra=cli("--sas-uri", secret=True))
    service_endpoint: str | None = Field(
        None, alias="serviceEndpoint",
        validation_alias=AliasChoices("serviceEndpoint", "service_endpoint"),
        description="Service principal authentication: the blob endpoint "
                    "(https://ACCOUNT.blob.core.windows.net).", json_schema_extra=cli("--service-endpoint"))
    service_principal_id: str | None = Field(
        None, alias="servicePrincipalId",
        validation_alias=AliasChoices("servicePrincipalId", "service_principal_id"),
        description="Service principal: the application (client) ID.",
        json_schema_extra=cli("--service-principal-id"))
    service_principal_key: SecretStr | None = Field(
        None, alias="servicePrincipalKey",
        validation_alias=AliasChoices("servicePrincipalKey", "service_principal_key"),
        description="Service principal: the client secret.",
        json_schema_extra=cli("--service-principal-key", secret=True))
    tenant: str | None = Field(
        None, description="Service principal: the Microsoft Entra tenant (ID or domain).",
        json_schema_extra=cli("--tenant"))
    account_kind: str | None = Field(
        None, alias="accountKind", validation_alias=AliasChoices("accountKind", "account_kind"),
        description="Service principal: the storage account kind (StorageV2, BlobStorage, "
                    "BlockBlobStorage).", json_schema_extra=cli("--account-kind"))
    endpoint_url: str | None = Field(
        None, description="Blob service endpoint, when not the public one "
                          "(https://ACCOUNT.blob.core.windows.net): e.g. Azurite's "
                          "http://127.0.0.1:10000/devstoreaccount1.",
        json_schema_extra=cli("--endpoint-url"))
    ca_bundle: CaBundle = Field(
        None, description="PEM file of the CA(s) to trust for the endpoint's TLS certificate.",
        json_schema_extra=cli("--ca-bundle"))
    resolver: Resolver = Field(
        None, description="DNS server to ask, IP[:PORT] (default: system).",
        json_schema_extra=cli("--resolver"))
    max_entries: PositiveInt = Field(10_000, description="Most blob names ever listed.",
                                     json_schema_extra=cli("--max-entries"))
    sample_files: PositiveInt = Field(3, description="How many blobs to open and sample.",
                                      json_schema_extra=cli("--sample-files"))
    head_bytes: PositiveInt = Field(
        1 << 20, description="Bytes read (one ranged GET) from the head of each blob.",
        json_schema_extra=cli("--head-bytes"))
    file: str | None = Field(None, description="Sample this blob (name inside the folder) only.",
                             json_schema_extra=cli("--file"))

    @field_validator("account")
    @classmethod
    def _account(cls, v: str | None) -> str | None:
        v = _plain(v, "an account name")
        if v is not None and not _ACCOUNT.match(v):
            raise ValueError("must be the storage account name: 3-24 lowercase letters and digits")
        return v

    @field_validator("container")
    @classmethod
    def _container(cls, v: str | None) -> str | None:
        v = _plain(v, "a container name")
        if v is not None and "://" in v:
            raise ValueError("must be the container name only (use 'data', not a URL)")
        return v

    @field_validator("folder")
    @classmethod
    def _folder(cls, v: str) -> str:
        return _plain(v, "a folder") or ""

    @field_validator("service_principal_id", "tenant", "account_kind")
    @classmethod
    def _short(cls, v: str | None) -> str | None:
        return _plain(v, "an identifier")

    @field_validator("endpoint_url", "service_endpoint")
    @classmethod
    def _endpoint(cls, v: str | None) -> str | None:
        v = _plain(v, "an endpoint")
        if v is None:
            return None
        # As before, the host's DNS shape is not judged here (host_names=False).
        parts = endpoint_parts(v, example=", e.g. https://ACCOUNT.blob.core.windows.net", host_names=False)
        if parts.query or parts.fragment:
            raise ValueError("must be the endpoint only; a SAS goes in sasUri")
        return v.rstrip("/")

    # --- derived facts -------------------------------------------------------------------------

    @functools.cached_property
    def resolved(self) -> Resolved:
        """Method, endpoint, account and container from every source, with the problems found."""
        return resolve(self)

    @property
    def endpoint(self) -> str:
        """The blob service endpoint requests go to ("" when the settings name none)."""
        return self.resolved.endpoint or ""

    @property
    def container_name(self) -> str:
        return self.container or self.resolved.container or ""

    @property
    def host(self) -> str:
        try:
            return urlsplit(self.endpoint).hostname or ""
        except ValueError:
            return ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.endpoint)
        try:
            explicit = parts.port
        except ValueError:
            explicit = None
        return explicit or (80 if parts.scheme == "http" else 443)

    @property
    def tls(self) -> bool:
        return urlsplit(self.endpoint).scheme != "http"

    @property
    def prefix(self) -> str:
        """The folder as a blob name prefix: no leading slash, a trailing one (empty: the root)."""
        folder = self.folder.strip("/")
        return f"{folder}/" if folder else ""

    def public_dict(self) -> dict[str, Any]:
        """The settings for reports: secrets replaced by whether they were given."""
        out = self.model_dump(exclude={"connection_string", "sas_uri", "service_principal_key"})
        for name in ("connection_string", "sas_uri", "service_principal_key"):
            out[name] = "set" if getattr(self, name) is not None else None
        r = self.resolved
        out.update(auth_method=r.method, endpoint=r.endpoint, resolved_account=r.account,
                   resolved_container=self.container_name or None)
        return out


def resolve(s: AzblobSettings) -> Resolved:
    """See :attr:`AzblobSettings.resolved`. Never raises: every problem is a :class:`Problem`."""
    r = Resolved(account=s.account)
    given = [name for name, value in (("connection_string", s.connection_string),
                                      ("sas_uri", s.sas_uri),
                                      ("service_principal", s.service_principal_id or
                                       s.service_principal_key or s.service_endpoint))
             if value]
    if len(given) > 1:
        r.problems.append(Problem(
            "config.invalid", given[1],
            f"give one way to authenticate, not {' and '.join(given)} (the platform's "
            "connection has one authentication type)", {"field": given[1], "given": given},
            values={"field": given[1]}))
    endpoint_scheme = urlsplit(s.endpoint_url).scheme.lower() if s.endpoint_url else None
    if s.connection_string is not None:
        _from_connection_string(s.connection_string.get_secret_value(), r, endpoint_scheme)
    elif s.sas_uri is not None:
        _from_sas_uri(s.sas_uri.get_secret_value(), r)
        if s.container and r.container and s.container != r.container and \
                r.sas is not None and r.sas.kind != "account":
            r.problems.append(Problem(
                "config.invalid", "container",
                f"the SAS URI is for container {r.container}, but container is {s.container}: a "
                "container SAS only opens its own container", {"field": "container"},
                values={"field": "container"}))
    elif s.service_principal_id or s.service_principal_key or s.service_endpoint:
        r.method = "service_principal"
        if s.service_endpoint:
            r.endpoint, account, _ = split_blob_url(s.service_endpoint)
            r.endpoint_from = "service_endpoint"
            _account(r, account, "service_endpoint")
    if s.endpoint_url:
        r.endpoint, account, _ = split_blob_url(s.endpoint_url)
        r.endpoint_from = "endpoint_url"
        _account(r, account, "endpoint_url")
    if r.endpoint is None and r.account:
        r.endpoint, r.endpoint_from = f"https://{r.account}.blob.core.windows.net", "account"
    return r


def _account(r: Resolved, named: str | None, where: str) -> None:
    """Take the account ``where`` names; a different one than already known is a problem."""
    if not named:
        return
    if r.account and r.account != named:
        if any(p.field == "account" and p.code == "config.invalid" for p in r.problems):
            return  # one conflict is said once, whichever places repeat it
        r.problems.append(Problem(
            "config.invalid", "account",
            f"the account is {r.account} in one place and {named} in {where}; they must agree",
            {"field": "account", "accounts": [r.account, named], "where": where},
            values={"field": "account"}))
        return
    r.account = named


def _from_connection_string(text: str, r: Resolved, endpoint_scheme: str | None) -> None:
    cs = parse_connection_string(text)
    r.connection_string = cs
    r.problems += cs.problems
    _account(r, cs.get("AccountName") or (
        DEV_ACCOUNT if cs.development else None),
        "connection_string")
    endpoint = connection_string_endpoint(cs)
    if endpoint:
        r.endpoint, r.endpoint_from = endpoint, "connection_string"
        _, account, _ = split_blob_url(endpoint)
        _account(r, account, "connection_string")
    key = cs.get("AccountKey")
    if cs.development and key is None:
        key = DEV_KEY  # the emulator's published development key
    if key is not None:
        r.method, r.account_key = "account_key", key
        problem = account_key_problem(key, "connection_string")
        if problem:
            r.problems.append(problem)
    elif cs.get("SharedAccessSignature") is not None:
        r.method = "sas"
        scheme = endpoint_scheme or (urlsplit(endpoint).scheme.lower() if endpoint else None)
        r.sas = parse_sas_token(cs.values["SharedAccessSignature"], "connection_string",
                                endpoint_scheme=scheme)
        r.problems += r.sas.problems


def _from_sas_uri(text: str, r: Resolved) -> None:
    uri = parse_sas_uri(text)
    r.sas_uri = uri
    r.method, r.sas = "sas", uri.sas
    r.problems += uri.problems
    if uri.endpoint:
        r.endpoint, r.endpoint_from = uri.endpoint, "sas_uri"
    _account(r, uri.account, "sas_uri")
    r.container = uri.container


def parse_azblob_url(url: str) -> dict[str, Any]:
    """``azblob://ACCOUNT/CONTAINER/FOLDER`` → settings values; ``azblob://`` and
    ``azblob:///CONTAINER/FOLDER`` leave the account to the connection string or SAS URI.
    Raises SettingsError naming the part."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise SettingsError("url", f"is malformed ({exc}); use azblob://ACCOUNT/CONTAINER/FOLDER") from None
    if parts.scheme.lower() != "azblob":
        raise SettingsError("url", f"{url[:80]!r} is not an azblob:// URL (azblob://ACCOUNT/CONTAINER/FOLDER)")
    if "@" in parts.netloc or ":" in parts.netloc:
        raise SettingsError("url", "must not contain credentials or a port; give the account name "
                                   "only, and the key with --connection-string-env VAR")
    if parts.query or parts.fragment:
        raise SettingsError("url", "must not contain '?' or '#': a SAS goes in --sas-uri-env VAR")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise SettingsError("url", "contains a control character")
    account = unquote(parts.netloc).lower()
    segments = [unquote(p) for p in parts.path.split("/") if p]
    values: dict[str, Any] = {}
    if account:
        values["account"] = account
    if segments:
        values["container"] = segments[0]
        values["folder"] = "/".join(segments[1:])
    return values


def build_settings(**values: Any) -> AzblobSettings:
    """Validate settings, turning pydantic's error into one SettingsError naming the field."""
    return build(AzblobSettings, values)


def redacted_url(settings: AzblobSettings) -> str:
    """The URL form of the settings (never holds a secret)."""
    account = settings.account or settings.resolved.account or ""
    container = settings.container_name
    folder = settings.folder.strip("/")
    tail = "/".join(p for p in (container, folder) if p)
    return f"azblob://{account}" + (f"/{tail}" if tail else "")
