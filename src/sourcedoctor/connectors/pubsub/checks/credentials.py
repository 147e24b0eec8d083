"""Layer 2 — the pasted service-account key, offline (see :mod:`..credentials`)."""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..credentials import judge_key
from ..settings import PubSubSettings
from ..state import PubSubState


class PubSubCredentialsCheck(Check[PubSubSettings, PubSubState]):
    """One JSON object, a service-account key, with a loadable PEM private key."""

    id = "pubsub.credentials"
    title = "Service-account key (offline)"
    needs = ("config.settings",)

    async def run(self, ctx: Context[PubSubSettings, PubSubState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        if s.credentials is None:
            return Outcome.of([make_finding(
                "auth.no_credentials", "no service-account key was given",
                evidence={"given": []},
                fix=["Give the key file's content: --credentials-env VAR with VAR=\"$(cat key.json)\"."])])
        text = s.credentials.get_secret_value()
        j = judge_key(text)
        findings: list[Finding] = []
        facts: dict[str, Any] = {"length": len(text)}
        if j.not_json:
            findings.append(make_finding(
                "pubsub.credentials_not_json", f"the credentials value {j.not_json[0]}",
                evidence={"field": "credentials", "problems": j.not_json, "length": len(text)}))
            return Outcome.of(findings, **facts)
        doc = j.doc or {}
        email = doc.get("client_email") if isinstance(doc.get("client_email"), str) else None
        if j.incomplete:
            findings.append(make_finding(
                "pubsub.credentials_incomplete", f"the JSON is not a service-account key: "
                f"{'; '.join(j.incomplete)}",
                evidence={"field": "credentials", "problems": j.incomplete,
                          "fields_present": sorted(doc)[:30]}, missing="; ".join(j.incomplete)))
        if j.key_mangled:
            findings.append(make_finding(
                "pubsub.private_key_mangled", f"the private_key {'; '.join(j.key_mangled)}",
                evidence={"field": "credentials", "problems": j.key_mangled},
                client_email=email or "the service account"))
        key_project = doc.get("project_id") if isinstance(doc.get("project_id"), str) else None
        if key_project and st.project_id and key_project != st.project_id:
            findings.append(make_finding(
                "pubsub.project_mismatch", f"the key is of project {key_project!r}, the settings "
                f"name {st.project_id!r}", evidence={"project_id": st.project_id,
                                                    "key_project": key_project},
                project_id=st.project_id, key_project=key_project))
        st.project_id = st.project_id or key_project
        st.client_email = email
        facts.update(type=doc.get("type"), client_email=email, key_project=key_project,
                     private_key_id=("given" if doc.get("private_key_id") else None))
        return Outcome.of(findings, **facts)
