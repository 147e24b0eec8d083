"""Layer 2 — credentials, offline: a connection string that parses, a SAS key of the right shape,
an EntityPath naming the configured hub, a namespace agreeing with the setting. No request."""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import CATALOGUE, make_finding
from ....model import Finding, Severity
from ..credentials import key_problem, namespace_problem, parse_connection_string
from ..settings import SUFFIX, EventHubsSettings
from ..state import EventHubsState


class EventHubsCredentialsCheck(Check[EventHubsSettings, EventHubsState]):
    """The SAS policy name and key, from the fields or the connection string."""

    id = "eventhubs.credentials"
    title = "Credentials (offline)"
    needs = ("config.settings",)

    async def run(self, ctx: Context[EventHubsSettings, EventHubsState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        findings: list[Finding] = []
        facts: dict[str, Any] = {}
        key_name, key = s.sas_key_name, s.sas_key.get_secret_value() if s.sas_key else None
        if s.connection_string is not None:
            cs = parse_connection_string(s.connection_string.get_secret_value())
            facts["connection_string_parts"] = sorted(cs.parts)
            if cs.problems:
                findings.append(make_finding(
                    "eventhubs.connection_string_invalid",
                    f"the connection string {'; '.join(cs.problems[:3])}",
                    evidence={"field": "connection_string", "problems": cs.problems[:10],
                              "parts_seen": sorted(cs.parts)},
                    fix=[cs.fix, *CATALOGUE["eventhubs.connection_string_invalid"].fix_steps()]
                    if cs.fix else None))
            host = cs.namespace_host
            if host:
                problem, name = namespace_problem(host)
                if problem:
                    findings.append(make_finding(
                        "eventhubs.connection_string_invalid",
                        f"the connection string's Endpoint host {host!r} {problem}",
                        evidence={"field": "connection_string", "endpoint_host": host}))
                elif st.namespace and name and name.lower() != st.namespace.lower():
                    findings.append(make_finding(
                        "eventhubs.connection_string_invalid",
                        f"the connection string is for namespace {name!r}, not {st.namespace!r}",
                        evidence={"field": "connection_string", "endpoint_host": host,
                                  "namespace": st.namespace}))
                elif name:
                    st.namespace = st.namespace or name
            entity = cs.parts.get("entitypath")
            hub = s.event_hub or st.event_hub
            if entity and hub and entity != hub:
                findings.append(make_finding(
                    "eventhubs.entity_path_mismatch", f"the connection string's EntityPath is "
                    f"{entity!r}, the event hub is {hub!r}",
                    evidence={"entity_path": entity, "event_hub": hub},
                    entity_path=entity, event_hub=hub))
            elif entity:
                st.event_hub = st.event_hub or entity
            key_name = key_name or cs.parts.get("sharedaccesskeyname")
            key = key or cs.parts.get("sharedaccesskey")
        if key is None and s.connection_string is None:
            return Outcome.of([make_finding(
                "auth.no_credentials", "no SAS key and no connection string was given",
                evidence={"given": []},
                fix=["Give the policy name and key (--sas-key-name NAME --sas-key-env VAR), or the "
                     "whole connection string (--connection-string-env VAR)."])])
        if key is not None:
            problem, fatal = key_problem(key)
            if problem:
                findings.append(make_finding(
                    "eventhubs.sas_key_invalid", f"the SAS key {problem}",
                    severity=None if fatal else Severity.WARN,
                    evidence={"field": "sas_key", "length": len(key), "problem": problem},
                    key_name=key_name or "(its policy)"))
        if key is not None and not key_name:
            findings.append(make_finding(
                "eventhubs.connection_string_invalid", "a SAS key was given without its policy name",
                evidence={"field": "sas_key_name"},
                fix=["Give the policy name with --sas-key-name (e.g. RootManageSharedAccessKey)."]))
        st.key_name = key_name
        facts.update(sas_key_name=key_name, sas_key="given" if key else "none",
                     namespace_host=f"{st.namespace}{SUFFIX}" if st.namespace else None,
                     event_hub=st.event_hub)
        return Outcome.of(findings, **facts)
