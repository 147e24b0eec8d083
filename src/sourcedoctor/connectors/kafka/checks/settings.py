"""Layer 1 — settings: SASL fields that belong together, judged before any network use."""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..settings import KafkaSettings
from ..state import KafkaState


class KafkaSettingsCheck(Check[KafkaSettings, KafkaState]):
    """Cross-field rules: a SASL mechanism needs a user and password, and they need a mechanism."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[KafkaSettings, KafkaState]) -> Outcome:
        s = ctx.settings
        facts: dict[str, Any] = {"bootstrap_servers": s.bootstrap_servers, "topic": s.topic,
                                 "security_protocol": s.security_protocol,
                                 "sasl_mechanism": s.sasl_mechanism,
                                 "consumer_group": s.consumer_group}
        findings: list[Finding] = []
        if s.sasl_mechanism and (not s.username or s.password is None):
            missing = [n for n, v in (("username", s.username), ("password", s.password)) if not v]
            findings.append(make_finding(
                "auth.no_credentials", f"SASL {s.sasl_mechanism} is set but {' and '.join(missing)} "
                "is missing", evidence={"missing": missing, "sasl_mechanism": s.sasl_mechanism},
                fix=["Give the SASL user and password: --username USER --password-env VAR "
                     "(Confluent Cloud: the API key and its secret)."]))
        elif (s.username or s.password is not None) and not s.sasl_mechanism:
            findings.append(make_finding(
                "config.invalid", "a user name or password is given but no SASL mechanism: it "
                "would not be used", evidence={"field": "sasl_mechanism"}, field="sasl_mechanism",
                fix=["Add --sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 (the platform's "
                     "saslMechanism), or drop --username and the password."]))
        return Outcome.of(findings, **facts)
