"""S3 connection settings: the pydantic model, ``s3://`` / ``gs://`` URL parsing, derived endpoint facts.

Field aliases are the platform's own names (``s3AccessKey``, ``serviceUrl``, ``bucketName``,
``folderPath``; for Google Cloud Storage ``accessKeyId`` and ``secretAccessKey``), so a connection
JSON copied from the platform validates as it is. Secrets are SecretStr and never come from argv
(the CLI offers ``--secret-access-key-env VAR`` / ``--secret-access-key-stdin`` and
``--session-token-env VAR``; ``json_schema_extra["secret"]`` marks them).

Only the standard library and pydantic are imported here: parsing a URL must not load botocore.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...config.fields import (
    CaBundle,
    HostFacts,
    KeyId,
    PositiveInt,
    Region,
    Resolver,
    cli,
    endpoint_parts,
    is_ip,
)
from ...config.urls import SettingsError
from ...config.validation import build

#: Google Cloud Storage's S3-compatible (XML, HMAC-signed) endpoint, used for ``gs://`` URLs.
GCS_ENDPOINT = "https://storage.googleapis.com"
#: ``s3.eu-west-1.amazonaws.com``, ``s3-eu-west-1.amazonaws.com``, ``s3.dualstack.eu-west-1…``
_AWS_REGION_IN_HOST = re.compile(r"(?:^|\.)s3[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$")



class S3Settings(HostFacts, BaseModel):
    """Everything needed to reach a bucket over the S3 API (Amazon S3, GCS interop, MinIO, Ceph…)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    bucket: str = Field(
        alias="bucketName", validation_alias=AliasChoices("bucketName", "bucket"),
        description="Bucket name only (folders go in folderPath).",
        json_schema_extra=cli("--bucket", url_only=True))
    folder: str = Field(
        "", alias="folderPath", validation_alias=AliasChoices("folderPath", "folder"),
        description="Folder (key prefix) inside the bucket, e.g. inbound/daily; empty: the whole bucket.",
        json_schema_extra=cli("--folder"))
    access_key_id: KeyId = Field(
        None, alias="s3AccessKey",
        validation_alias=AliasChoices("s3AccessKey", "accessKeyId", "access_key_id"),
        description="Access key ID (AWS: AKIA…/ASIA…; Google Cloud HMAC: GOOG…, 61 characters).",
        json_schema_extra=cli("--access-key-id"))
    secret_access_key: SecretStr | None = Field(
        None, alias="s3SecretKey",
        validation_alias=AliasChoices("s3SecretKey", "secretAccessKey", "secret_access_key"),
        description="Secret access key (40 characters); never typed on a command line.",
        json_schema_extra=cli("--secret-access-key", secret=True))
    session_token: SecretStr | None = Field(
        None, alias="s3SessionToken", validation_alias=AliasChoices("s3SessionToken", "session_token"),
        description="Session token of temporary (STS) credentials.",
        json_schema_extra=cli("--session-token", secret=True))
    endpoint_url: str | None = Field(
        None, alias="serviceUrl", validation_alias=AliasChoices("serviceUrl", "endpoint_url"),
        description="S3 endpoint, e.g. https://s3.eu-west-1.amazonaws.com (required for "
                    "region-specific buckets), https://storage.googleapis.com, a MinIO URL.",
        json_schema_extra=cli("--endpoint-url"))
    region: Region = Field(
        None, description="Signing region (default: from the endpoint, else us-east-1).",
        json_schema_extra=cli("--region"))
    addressing_style: Literal["auto", "path", "virtual"] = Field(
        "auto", description="Bucket in the host name (virtual) or in the path (path); auto picks.",
        json_schema_extra=cli("--addressing-style"))
    ca_bundle: CaBundle = Field(
        None, description="PEM file of the CA(s) to trust for the endpoint's TLS certificate.",
        json_schema_extra=cli("--ca-bundle"))
    aws_profile: str | None = Field(
        None, description="Profile in ~/.aws/credentials to take the keys from (when none are given).",
        json_schema_extra=cli("--aws-profile"))
    resolver: Resolver = Field(
        None, description="DNS server to ask, IP[:PORT] (default: system).",
        json_schema_extra=cli("--resolver"))
    max_entries: PositiveInt = Field(10_000, description="Most keys ever listed.",
                                     json_schema_extra=cli("--max-entries"))
    sample_files: PositiveInt = Field(3, description="How many objects to open and sample.",
                                      json_schema_extra=cli("--sample-files"))
    head_bytes: PositiveInt = Field(
        1 << 20, description="Bytes read (one ranged GET) from the head of each object.",
        json_schema_extra=cli("--head-bytes"))
    file: str | None = Field(None, description="Sample this object (name inside the folder) only.",
                             json_schema_extra=cli("--file"))

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("is empty; give the bucket name")
        if "://" in v:
            raise ValueError("must be the bucket name only (use 'my-bucket', not 's3://my-bucket')")
        if any(c.isspace() or ord(c) < 32 for c in v):
            raise ValueError("must not contain spaces or control characters")
        # Folders inside the bucket name are judged by the settings layer, which gives the split.
        return v

    @field_validator("folder")
    @classmethod
    def _folder(cls, v: str) -> str:
        return v.strip()

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        parts = endpoint_parts(
            v, example=", e.g. https://s3.eu-west-1.amazonaws.com",
            credentials="must not contain credentials; give the keys as their own settings")
        if parts.path.strip("/") or parts.query:
            raise ValueError("must be the endpoint only (scheme, host, port); put folders in folderPath")
        return v.rstrip("/")

    # --- derived facts (what the shared DNS/TCP/TLS layers need) -----------------------------

    @property
    def provider(self) -> str:
        """``aws``, ``gcs`` or ``s3-compatible`` (MinIO, Ceph, Wasabi, moto…), from the endpoint."""
        if self.endpoint_url is None:
            return "aws"
        host = (urlsplit(self.endpoint_url).hostname or "").lower()
        if host == "storage.googleapis.com":
            return "gcs"
        if host.endswith(".amazonaws.com"):
            return "aws"
        return "s3-compatible"

    @property
    def signing_region(self) -> str:
        """The region requests are signed for: the setting, the endpoint's, or the default."""
        if self.region:
            return self.region
        if self.endpoint_url:
            m = _AWS_REGION_IN_HOST.search((urlsplit(self.endpoint_url).hostname or "").lower())
            if m:
                return m.group(1)
        return "auto" if self.provider == "gcs" else "us-east-1"

    @property
    def endpoint(self) -> str:
        """The endpoint requests go to (``https://s3.REGION.amazonaws.com`` when none is set)."""
        if self.endpoint_url:
            return self.endpoint_url
        if self.region and self.region != "us-east-1":
            return f"https://s3.{self.region}.amazonaws.com"
        return "https://s3.amazonaws.com"

    @property
    def addressing(self) -> str:
        """The addressing style used: ``virtual`` (bucket.host) or ``path`` (host/bucket)."""
        if self.addressing_style != "auto":
            return self.addressing_style
        if self.provider == "aws" and "." not in self.bucket and "/" not in self.bucket:
            # AWS prefers virtual-hosted requests; a dotted name would not match *.s3 certificates.
            return "virtual"
        return "path"  # every S3-compatible server answers path-style; most lack wildcard DNS

    @property
    def endpoint_host(self) -> str:
        return urlsplit(self.endpoint).hostname or ""

    @property
    def host(self) -> str:
        """The host name requests really go to (the bucket is part of it with virtual addressing)."""
        if self.addressing == "virtual" and not is_ip(self.endpoint_host):
            return f"{self.bucket}.{self.endpoint_host}"
        return self.endpoint_host

    @property
    def port(self) -> int:
        parts = urlsplit(self.endpoint)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def tls(self) -> bool:
        """True for an https endpoint."""
        return urlsplit(self.endpoint).scheme == "https"

    @property
    def prefix(self) -> str:
        """The folder as a key prefix: no leading slash, a trailing one (empty for the bucket root)."""
        folder = self.folder.strip("/")
        return f"{folder}/" if folder else ""

    def public_dict(self) -> dict[str, Any]:
        """The settings for reports: secrets replaced by whether they were given."""
        out = self.model_dump(exclude={"secret_access_key", "session_token"})
        out["secret_access_key"] = "set" if self.secret_access_key else None
        out["session_token"] = "set" if self.session_token else None
        out.update(provider=self.provider, endpoint=self.endpoint, addressing=self.addressing,
                   signing_region=self.signing_region)
        return out



def parse_s3_url(url: str) -> dict[str, Any]:
    """``s3://BUCKET/PREFIX`` or ``gs://BUCKET/PREFIX`` → settings values. Raises SettingsError."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("s3", "gs"):
        raise SettingsError("url", f"{url!r} is not an s3:// or gs:// URL (s3://BUCKET/FOLDER)")
    if "@" in parts.netloc:
        raise SettingsError("url", "must not contain credentials; give --access-key-id and "
                                   "--secret-access-key-env VAR instead")
    bucket = unquote(parts.netloc)
    if not bucket:
        raise SettingsError("bucket", "is missing from the URL (s3://BUCKET/FOLDER)")
    values: dict[str, Any] = {"bucket": bucket, "folder": unquote(parts.path).strip("/")}
    if scheme == "gs":
        values["endpoint_url"] = GCS_ENDPOINT
    return values


def build_settings(**values: Any) -> S3Settings:
    """Validate settings, turning pydantic's error into one SettingsError naming the field."""
    return build(S3Settings, values)


def redacted_url(settings: S3Settings) -> str:
    """The URL form of the settings (never holds a secret: keys are not part of it)."""
    scheme = "gs" if settings.provider == "gcs" else "s3"
    folder = settings.folder.strip("/")
    return f"{scheme}://{settings.bucket}" + (f"/{folder}" if folder else "")
