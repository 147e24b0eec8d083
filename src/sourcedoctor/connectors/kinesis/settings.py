"""Kinesis connection settings: the pydantic model and ``kinesis://STREAM?region=…`` parsing.

Aliases are the platform's field names (``accessKeyId``, ``secretKey``, ``region``, ``stream``);
the options share the S3 connector's vocabulary (``--endpoint-url``, ``--access-key-id``,
``--secret-access-key-env VAR`` / ``--secret-access-key-stdin``).

Only the standard library and pydantic are imported here: parsing a URL must not load botocore.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...config.fields import CaBundle, Resolver, cli, endpoint_parts, is_ip
from ...config.urls import SettingsError
from ...config.validation import build

#: Kinesis's rule for stream names.
_STREAM = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$|^[a-z0-9][a-z0-9-]{0,40}$")


class KinesisSettings(BaseModel):
    """Everything needed to read a Kinesis data stream."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    stream: str | None = Field(
        None, validation_alias=AliasChoices("stream", "streamName"),
        description="Stream name (the URL's host part); empty: list the streams only.",
        json_schema_extra=cli("--stream", url_only=True))
    region: str = Field(description="AWS region of the stream, e.g. eu-west-1 (the URL's ?region=).",
                        json_schema_extra=cli("--region"))
    access_key_id: str | None = Field(
        None, alias="accessKeyId", validation_alias=AliasChoices("accessKeyId", "access_key_id"),
        description="Access key ID (AKIA…/ASIA…).", json_schema_extra=cli("--access-key-id"))
    secret_access_key: SecretStr | None = Field(
        None, alias="secretKey",
        validation_alias=AliasChoices("secretKey", "secretAccessKey", "secret_access_key"),
        description="Secret access key; never typed on a command line.",
        json_schema_extra=cli("--secret-access-key", secret=True))
    session_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("sessionToken", "session_token"),
        description="Session token of temporary (STS) credentials.",
        json_schema_extra=cli("--session-token", secret=True))
    endpoint_url: str | None = Field(
        None, validation_alias=AliasChoices("endpoint_url", "endpointUrl"),
        description="Kinesis endpoint (default https://kinesis.REGION.amazonaws.com).",
        json_schema_extra=cli("--endpoint-url"))
    ca_bundle: CaBundle = Field(
        None, description="PEM file of the CA(s) to trust for the endpoint's TLS certificate.",
        json_schema_extra=cli("--ca-bundle"))
    aws_profile: str | None = Field(
        None, description="Profile in ~/.aws/credentials to take the keys from (when none are given).",
        json_schema_extra=cli("--aws-profile"))
    resolver: Resolver = Field(None, description="DNS server to ask, IP[:PORT] (default: system).",
                                 json_schema_extra=cli("--resolver"))
    rows: int = Field(10, description="Records to read from TRIM_HORIZON (the oldest kept).",
                      # The check's own sample: preview and ingest size theirs with their --rows.
                      json_schema_extra={**cli("--rows"), "check_only": True})

    @field_validator("stream")
    @classmethod
    def _stream(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        if not _STREAM.match(v):
            shown = v if len(v) <= 60 and v.isprintable() else repr(v[:60]) + "…"
            raise ValueError(f"{shown} is not a stream name (letters, digits, '_', '.', '-'; "
                             "1-128 characters)")
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        v = v.strip()
        if not _REGION.match(v):
            raise ValueError("is not a region name (e.g. eu-west-1)")
        return v

    @field_validator("access_key_id")
    @classmethod
    def _key_id(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        if len(v) > 128 or any(c.isspace() or ord(c) < 32 for c in v):
            raise ValueError("must be at most 128 characters without spaces or control characters")
        return v

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        if len(v) > 2048 or any(ord(c) < 32 for c in v):
            raise ValueError("is not a URL")
        parts = endpoint_parts(v, example="")
        if parts.path.strip("/") or parts.query:
            raise ValueError("must be the endpoint only (scheme, host, port)")
        return v.rstrip("/")

    @field_validator("rows")
    @classmethod
    def _rows(cls, v: int) -> int:
        if not 1 <= v <= 1000:
            raise ValueError("must be between 1 and 1000")
        return v

    # --- derived facts (what the shared DNS/TCP/TLS layers need) -----------------------------

    @property
    def endpoint(self) -> str:
        return self.endpoint_url or f"https://kinesis.{self.region}.amazonaws.com"

    @property
    def host(self) -> str:
        return urlsplit(self.endpoint).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.endpoint)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def tls(self) -> bool:
        return urlsplit(self.endpoint).scheme == "https"

    @property
    def server_hostname(self) -> str:
        return self.host

    @property
    def is_ip_literal(self) -> bool:
        return is_ip(self.host)

    def public_dict(self) -> dict[str, Any]:
        out = self.model_dump(exclude={"secret_access_key", "session_token"})
        out["secret_access_key"] = "set" if self.secret_access_key else None
        out["session_token"] = "set" if self.session_token else None
        out["endpoint"] = self.endpoint
        return out


def parse_kinesis_url(url: str) -> dict[str, Any]:
    """``kinesis://STREAM?region=REGION`` → settings values. Raises SettingsError."""
    text = url.strip()
    if "\x00" in text:
        raise SettingsError("url", "contains a NUL character")
    parts = urlsplit(text)
    if parts.scheme.lower() != "kinesis":
        raise SettingsError("url", "is not a kinesis:// URL (kinesis://STREAM?region=REGION)")
    if "@" in parts.netloc:
        raise SettingsError("url", "must not contain credentials; give --access-key-id and "
                                   "--secret-access-key-env VAR instead")
    if parts.path.strip("/"):
        raise SettingsError("url", "takes the stream name only (kinesis://STREAM?region=REGION)")
    values: dict[str, Any] = {}
    if parts.netloc:
        values["stream"] = unquote(parts.netloc)
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"region"})
    if unknown:
        raise SettingsError("url", f"unknown parameter {unknown[0]!r}; only ?region=REGION")
    if query.get("region"):
        values["region"] = query["region"][-1]
    return values


def build_settings(**values: Any) -> KinesisSettings:
    return build(KinesisSettings, values)


def redacted_url(settings: KinesisSettings) -> str:
    return f"kinesis://{settings.stream or ''}?region={settings.region}"
