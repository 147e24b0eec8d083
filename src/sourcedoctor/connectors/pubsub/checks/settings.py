"""Layer 1 — settings: the project id and the topic/subscription ids, by Google Cloud's rules."""

from __future__ import annotations

import re

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..settings import PubSubSettings
from ..state import PubSubState

_PROJECT = re.compile(r"^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$")
_PATH = re.compile(r"^projects/([^/]+)/(topics|subscriptions)/([^/]+)$")


def project_problem(value: str) -> str | None:
    if value != value.strip():
        return "has spaces around it"
    if value.isdigit():
        return "is a project number; give the project ID"
    if not _PROJECT.match(value):
        return ("must be 6-30 lower-case letters, digits and hyphens, starting with a letter and "
                "not ending with a hyphen")
    return None


def name_problem(value: str) -> str | None:
    if value != value.strip():
        return "has spaces around it"
    if value.lower().startswith("goog"):
        return "must not start with 'goog'"
    if not _NAME.match(value):
        return ("must be 3-255 letters, digits and - _ . ~ + %, starting with a letter")
    return None


def _suggest(value: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]", "-", value.strip().lower()).strip("-")
    return cleaned if _PROJECT.match(cleaned) else "my-project-123"


class PubSubSettingsCheck(Check[PubSubSettings, PubSubState]):
    """Project and names as Google Cloud takes them (nothing is contacted)."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[PubSubSettings, PubSubState]) -> Outcome:
        s = ctx.settings
        findings: list[Finding] = []
        project = s.project_id
        for kind, value in (("subscription", s.subscription), ("topic", s.topic)):
            if value is None:
                continue
            m = _PATH.match(value.strip())
            if m:  # a full resource path: split it, judge the parts
                if project is None:
                    project = m.group(1)
                value = m.group(3)
            why = name_problem(value)
            if why:
                findings.append(make_finding(
                    "pubsub.name_invalid", f"{kind} {value!r} {why}",
                    evidence={"field": kind, "problem": why}, field=kind, kind=kind))
        if project is not None:
            why = project_problem(project)
            if why:
                findings.append(make_finding(
                    "pubsub.project_id_invalid", f"project {project!r} {why}",
                    evidence={"field": "project_id", "problem": why}, suggestion=_suggest(project)))
            else:
                ctx.state.project_id = project
        return Outcome.of(findings, project_id=project, subscription=s.subscription, topic=s.topic)
