"""Event Hubs settings: the pydantic model (the platform's names ``namespace``, ``eventHubName``,
``sasKeyName``, ``sasKey``, ``connectionString``, ``consumerGroup``) and URL parsing.

URLs: ``eventhubs://NAMESPACE/HUB``, ``sb://NAMESPACE.servicebus.windows.net/HUB``, or
``eventhubs://`` with the connection string (``--connection-string-env VAR``) giving the rest.
Values are kept as given: the settings and credentials layers judge them and name the fix.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...config.fields import cli, plain_text
from ...config.urls import SettingsError
from ...config.validation import build

SUFFIX = ".servicebus.windows.net"
#: Longest value a field takes (longer is not a name or key: refused at once, bounded).
MAX_VALUE = 4096



class EventHubsSettings(BaseModel):
    """What the platform's Event Hubs source takes."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    namespace: str | None = Field(
        None, description="Event Hubs namespace (NAME or NAME.servicebus.windows.net).",
        json_schema_extra={**cli("--namespace"), "essential": True})
    event_hub: str | None = Field(
        None, alias="eventHubName", validation_alias=AliasChoices("eventHubName", "event_hub"),
        description="Event hub name inside the namespace.", json_schema_extra=cli("--event-hub"))
    sas_key_name: str | None = Field(
        None, alias="sasKeyName", validation_alias=AliasChoices("sasKeyName", "sas_key_name"),
        description="Shared access policy name (e.g. RootManageSharedAccessKey).",
        json_schema_extra=cli("--sas-key-name"))
    sas_key: SecretStr | None = Field(
        None, alias="sasKey", validation_alias=AliasChoices("sasKey", "sas_key"),
        description="Shared access key of that policy (44 base64 characters).",
        json_schema_extra=cli("--sas-key", secret=True))
    connection_string: SecretStr | None = Field(
        None, alias="connectionString", validation_alias=AliasChoices("connectionString",
                                                                       "connection_string"),
        description="Endpoint=sb://…;SharedAccessKeyName=…;SharedAccessKey=…[;EntityPath=…].",
        json_schema_extra=cli("--connection-string", secret=True))
    consumer_group: str | None = Field(
        None, alias="consumerGroup", validation_alias=AliasChoices("consumerGroup", "consumer_group"),
        description="Consumer group the platform reads with (default $Default).",
        json_schema_extra=cli("--consumer-group"))

    @field_validator("namespace", "event_hub", "sas_key_name", "consumer_group")
    @classmethod
    def _plain(cls, v: str | None) -> str | None:
        return plain_text(v, "a name", max_len=MAX_VALUE)

    @field_validator("sas_key", "connection_string")
    @classmethod
    def _secret(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and len(v.get_secret_value()) > MAX_VALUE:
            raise ValueError("is longer than 4096 characters; that is not a key or connection string")
        if v is not None and "\x00" in v.get_secret_value():
            raise ValueError("contains a NUL byte")
        return v

    @property
    def group(self) -> str:
        return self.consumer_group or "$Default"

    def public_dict(self) -> dict[str, Any]:
        out = self.model_dump(exclude={"sas_key", "connection_string"})
        out["sas_key"] = "set" if self.sas_key else None
        out["connection_string"] = "set" if self.connection_string else None
        out["consumer_group"] = self.group
        return out


def parse_eventhubs_url(url: str) -> dict[str, Any]:
    """``eventhubs://NAMESPACE/HUB`` or ``sb://NAMESPACE.servicebus.windows.net/HUB`` → values."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("eventhubs", "sb"):
        raise SettingsError("url", "must be eventhubs://NAMESPACE/EVENT_HUB")
    if "@" in parts.netloc:
        raise SettingsError("url", "must not contain credentials; give --connection-string-env VAR")
    values: dict[str, Any] = {}
    if parts.netloc:
        values["namespace"] = unquote(parts.netloc)
    hub = unquote(parts.path).strip("/")
    if hub:
        values["event_hub"] = hub
    return values


def build_settings(**values: Any) -> EventHubsSettings:
    return build(EventHubsSettings, values)


def redacted_url(s: EventHubsSettings) -> str:
    return f"eventhubs://{s.namespace or ''}/{s.event_hub or ''}".rstrip("/")
