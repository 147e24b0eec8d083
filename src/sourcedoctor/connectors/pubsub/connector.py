"""Google Pub/Sub as the registry sees it — settings only (see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import safejson
from ...config.secrets import Redactor
from ...model import Finding
from ...targets import TargetProfile
from ..base import field_by_code
from ..common import command_line, secret_env, settings_from
from .settings import PubSubSettings, build_settings, parse_pubsub_url, redacted_url

_FIELD_EXACT = {"pubsub.project_id_invalid": "project_id", "pubsub.project_mismatch": "project_id",
                "auth.no_credentials": "credentials"}
FORM_ALIASES = {"projectId": "project_id", "subscriptionId": "subscription",
                "subscriptionName": "subscription", "topicId": "topic", "topicName": "topic"}


class PubSubConnector:
    """Google Pub/Sub: settings → service-account key (offline) → live layers (not testable offline)."""

    name = "pubsub"
    schemes = ("pubsub",)
    title = "Google Pub/Sub"
    audiences: Mapping[str, str] = {}

    @property
    def settings_model(self) -> type[PubSubSettings]:
        return PubSubSettings

    def settings(self, url: str | None = None, **values: Any) -> PubSubSettings:
        return settings_from(url, values, parse_pubsub_url, build_settings)

    def plan(self, settings: PubSubSettings, target: TargetProfile) -> list[Any]:
        from .plan import build_plan

        return build_plan(settings, target)

    def new_state(self, settings: PubSubSettings) -> Any:
        from .state import PubSubState

        return PubSubState()

    def target_block(self, settings: PubSubSettings, target: str) -> dict[str, Any]:
        return {"connector": self.name, "profile": target, "url": redacted_url(settings),
                "host": "pubsub.googleapis.com", **settings.public_dict()}

    def redactor(self, settings: PubSubSettings, *, redact_hosts: bool = False) -> Redactor:
        red = Redactor(redact_hosts=redact_hosts)
        red.add(settings.credentials)
        if settings.credentials is not None:  # the key and its id on their own
            try:
                doc = safejson.loads(settings.credentials.get_secret_value())
            except ValueError:
                doc = None
            if isinstance(doc, dict):
                for name in ("private_key", "private_key_id"):
                    if isinstance(doc.get(name), str):
                        red.add(doc[name])
        return red

    def reproduce(self, settings: PubSubSettings, target: str, timeout: float) -> str:
        return command_line(redacted_url(settings), [
            secret_env("--credentials", settings.credentials, "PUBSUB_CREDENTIALS"),
        ], target=target, timeout=timeout)

    def field_for(self, finding: Finding) -> str | None:
        return field_by_code(finding, _FIELD_EXACT, {"pubsub.": "credentials"}, FORM_ALIASES)

    source_layer = "pubsub.live"

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        return None, None


CONNECTOR = PubSubConnector()
