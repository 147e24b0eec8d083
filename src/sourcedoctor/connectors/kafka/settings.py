"""Kafka connection settings: the pydantic model and ``kafka://`` / ``kafka+ssl://`` URL parsing.

``kafka://HOST:PORT[,HOST:PORT…]/TOPIC``. The scheme says whether the listener speaks TLS
(``kafka+ssl``; ``--tls`` or ``--ca-bundle`` say so too); ``--sasl-mechanism`` with
``--username`` and ``--password-env VAR`` / ``--password-stdin`` adds SASL. Aliases are the
platform's field names (``bootstrapServers``, ``topic``, ``groupId``, ``saslMechanism``).

Only the standard library and pydantic are imported here: parsing a URL must not load librdkafka.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...config.fields import CaBundle, Resolver, cli, is_ip
from ...config.urls import SettingsError, host_name_problem
from ...config.validation import build

SCHEMES = ("kafka", "kafka+ssl")
DEFAULT_PORT = 9092
#: Kafka's own rule for topic names (and its length limit).
_TOPIC = re.compile(r"^[a-zA-Z0-9._-]{1,249}$")
Mechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


def split_server(text: str) -> tuple[str, int]:
    """``host:port`` / ``[v6]:port`` / ``host`` → (host, port); ValueError naming the problem."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    elif ":" in text:
        raise ValueError(f"{text!r}: write an IPv6 address in brackets, [ADDRESS]:PORT")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"{text!r} has no host")
    if port_text and not port_text.isdigit():
        raise ValueError(f"{text!r}: the port is not a number")
    port = int(port_text) if port_text else DEFAULT_PORT
    if not 1 <= port <= 65535:
        raise ValueError(f"{text!r}: port must be between 1 and 65535")
    if not is_ip(host):
        if any(c.isspace() or ord(c) < 32 or c in "/@?#" for c in host):
            raise ValueError(f"{host!r} is not a host name")
        problem = host_name_problem(host)
        if problem:
            raise ValueError(f"host {problem}")
    return host, port


class KafkaSettings(BaseModel):
    """Everything needed to reach a topic: brokers, TLS, SASL, the platform's consumer group."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    bootstrap_servers: str = Field(
        alias="bootstrapServers", validation_alias=AliasChoices("bootstrapServers", "bootstrap_servers"),
        description="Broker addresses, HOST:PORT[,HOST:PORT…] (from the URL).",
        json_schema_extra=cli("--bootstrap-servers", url_only=True))
    topic: str | None = Field(
        None, validation_alias=AliasChoices("topic", "topicName"),
        description="Topic the platform reads (the URL's path); empty: list the topics only.",
        json_schema_extra=cli("--topic"))
    tls_enabled: bool = Field(
        False, validation_alias=AliasChoices("tls_enabled", "ssl"),
        description="The listener speaks TLS (also: kafka+ssl:// or --ca-bundle).",
        json_schema_extra=cli("--tls"))
    sasl_mechanism: Mechanism | None = Field(
        None, alias="saslMechanism", validation_alias=AliasChoices("saslMechanism", "sasl_mechanism"),
        description="SASL mechanism the platform authenticates with.",
        json_schema_extra=cli("--sasl-mechanism"))
    username: str | None = Field(
        None, validation_alias=AliasChoices("username", "userName", "saslUsername"),
        description="SASL user name (Confluent Cloud: the API key).", json_schema_extra=cli("--username"))
    password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("password", "saslPassword"),
        description="SASL password (Confluent Cloud: the API secret); never typed on a command line.",
        json_schema_extra=cli("--password", secret=True))
    consumer_group: str | None = Field(
        None, alias="groupId", validation_alias=AliasChoices("groupId", "consumer_group", "consumerGroup"),
        description="Consumer group the platform's flow will use (checked, never joined).",
        json_schema_extra=cli("--consumer-group"))
    ca_bundle: CaBundle = Field(
        None, description="PEM file of the CA(s) to trust for the brokers' TLS certificates.",
        json_schema_extra=cli("--ca-bundle"))
    resolver: Resolver = Field(None, description="DNS server to ask, IP[:PORT] (default: system).",
                                 json_schema_extra=cli("--resolver"))
    rows: int = Field(10, description="Records to read from the earliest offset (never committed).",
                      # The check's own sample: preview and ingest size theirs with their --rows.
                      json_schema_extra={**cli("--rows"), "check_only": True})

    @field_validator("bootstrap_servers")
    @classmethod
    def _servers(cls, v: str) -> str:
        servers = [s for s in (p.strip() for p in v.split(",")) if s]
        if not servers:
            raise ValueError("is empty; give HOST:PORT of at least one broker")
        if len(servers) > 32:
            raise ValueError(f"lists {len(servers)} brokers; give at most 32")
        for server in servers:
            split_server(server)
        return ",".join(servers)

    @field_validator("topic")
    @classmethod
    def _topic(cls, v: str | None) -> str | None:
        if v is None or not v.strip("/"):
            return None
        v = v.strip("/")
        if not _TOPIC.match(v):
            shown = v if len(v) <= 60 and v.isprintable() else repr(v[:60]) + "…"
            raise ValueError(f"{shown} is not a Kafka topic name (letters, digits, '.', '_', '-'; "
                             "at most 249)")
        return v

    @field_validator("username", "consumer_group")
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if len(v) > 1024 or any(ord(c) < 32 for c in v):
            raise ValueError("must be printable text of at most 1024 characters")
        return v.strip()

    @field_validator("rows")
    @classmethod
    def _rows(cls, v: int) -> int:
        if not 1 <= v <= 1000:
            raise ValueError("must be between 1 and 1000")
        return v

    # --- derived facts (what the shared DNS/TCP/TLS layers need) -----------------------------

    @property
    def servers(self) -> list[tuple[str, int]]:
        return [split_server(s) for s in self.bootstrap_servers.split(",")]

    @property
    def host(self) -> str:
        """The first bootstrap broker: the one the network layers diagnose."""
        return self.servers[0][0]

    @property
    def port(self) -> int:
        return self.servers[0][1]

    @property
    def server_hostname(self) -> str:
        return self.host

    @property
    def is_ip_literal(self) -> bool:
        return is_ip(self.host)

    @property
    def tls(self) -> bool:
        """The listener speaks TLS (what the shared TLS layer reads)."""
        return self.tls_enabled or self.ca_bundle is not None

    @property
    def security_protocol(self) -> str:
        """librdkafka's ``security.protocol``."""
        return ("SASL_" if self.sasl_mechanism else "") + ("SSL" if self.tls else "PLAINTEXT")

    def public_dict(self) -> dict[str, Any]:
        """The settings for reports: the password replaced by whether it was given."""
        out = self.model_dump(exclude={"password"})
        out["password"] = "set" if self.password else None
        out["security_protocol"] = self.security_protocol
        return out


def parse_kafka_url(url: str) -> dict[str, Any]:
    """``kafka[+ssl]://HOST:PORT[,HOST:PORT]/TOPIC`` → settings values. Raises SettingsError."""
    text = url.strip()
    if "\x00" in text:
        raise SettingsError("url", "contains a NUL character")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise SettingsError("url", "is not a kafka:// or kafka+ssl:// URL (kafka://BROKER:9092/TOPIC)")
    if "@" in parts.netloc:
        raise SettingsError("url", "must not contain credentials; give --username and "
                                   "--password-env VAR instead")
    if parts.query or parts.fragment:
        raise SettingsError("url", "takes no ?query or #fragment; give options instead")
    values: dict[str, Any] = {}
    if parts.netloc:
        values["bootstrap_servers"] = unquote(parts.netloc)
    topic = unquote(parts.path).strip("/")
    if topic:
        values["topic"] = topic
    if scheme == "kafka+ssl":
        values["tls_enabled"] = True
    return values


def build_settings(**values: Any) -> KafkaSettings:
    return build(KafkaSettings, values)


def redacted_url(settings: KafkaSettings) -> str:
    """The URL form of the settings (never holds a secret)."""
    scheme = "kafka+ssl" if settings.tls else "kafka"
    return f"{scheme}://{settings.bootstrap_servers}" + (f"/{settings.topic}" if settings.topic else "")
