"""Pub/Sub settings: the pydantic model (the platform's names ``projectId``, ``credentials``,
``topicId``/``topicName``, ``subscriptionId``/``subscriptionName``) and URL parsing.

URLs: ``pubsub://PROJECT/SUBSCRIPTION``, ``pubsub://PROJECT/subscriptions/S``,
``pubsub://PROJECT/topics/T``, or ``pubsub://`` with the project taken from the key. The key JSON
comes only from ``--credentials-env VAR`` (or ``--credentials-stdin``, the whole JSON document).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...config.fields import cli, plain_text
from ...config.urls import SettingsError
from ...config.validation import build

#: Longest name taken (a Pub/Sub id has at most 255 characters).
MAX_NAME = 1024
#: Longest credentials JSON taken (a service-account key is about 2.4 KB).
MAX_CREDENTIALS = 64 << 10



class PubSubSettings(BaseModel):
    """What the platform's Google Pub/Sub source takes."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    project_id: str | None = Field(
        None, alias="projectId", validation_alias=AliasChoices("projectId", "project_id"),
        description="Google Cloud project ID (default: the key's project_id).",
        json_schema_extra=cli("--project-id"))
    subscription: str | None = Field(
        None, alias="subscriptionId",
        validation_alias=AliasChoices("subscriptionId", "subscriptionName", "subscription"),
        description="Subscription id (or projects/P/subscriptions/S).",
        json_schema_extra=cli("--subscription"))
    topic: str | None = Field(
        None, alias="topicId", validation_alias=AliasChoices("topicId", "topicName", "topic"),
        description="Topic id (or projects/P/topics/T).", json_schema_extra=cli("--topic"))
    credentials: SecretStr | None = Field(
        None, description="The service account's JSON key file content, pasted as it is.",
        json_schema_extra=cli("--credentials", secret=True, multiline=True))

    @field_validator("project_id", "subscription", "topic")
    @classmethod
    def _plain(cls, v: str | None) -> str | None:
        return plain_text(v, "a Pub/Sub name", max_len=MAX_NAME)

    @field_validator("credentials")
    @classmethod
    def _credentials(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and len(v.get_secret_value()) > MAX_CREDENTIALS:
            raise ValueError("is larger than 64 KiB; a service-account key is about 2.4 KB")
        return v

    def public_dict(self) -> dict[str, Any]:
        out = self.model_dump(exclude={"credentials"})
        out["credentials"] = "set" if self.credentials else None
        return out


def parse_pubsub_url(url: str) -> dict[str, Any]:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "pubsub":
        raise SettingsError("url", "must be pubsub://PROJECT/SUBSCRIPTION")
    if "@" in parts.netloc:
        raise SettingsError("url", "must not contain credentials; give --credentials-env VAR")
    values: dict[str, Any] = {}
    if parts.netloc:
        values["project_id"] = unquote(parts.netloc)
    path = [p for p in unquote(parts.path).split("/") if p]
    if len(path) == 2 and path[0] in ("subscriptions", "topics"):
        values["subscription" if path[0] == "subscriptions" else "topic"] = path[1]
    elif len(path) == 1:
        values["subscription"] = path[0]
    elif path:
        raise SettingsError("url", "must be pubsub://PROJECT/SUBSCRIPTION or "
                                   "pubsub://PROJECT/topics/TOPIC")
    return values


def build_settings(**values: Any) -> PubSubSettings:
    return build(PubSubSettings, values)


def redacted_url(s: PubSubSettings) -> str:
    tail = (f"/{s.subscription}" if s.subscription else f"/topics/{s.topic}" if s.topic else "")
    return f"pubsub://{s.project_id or ''}{tail}"
