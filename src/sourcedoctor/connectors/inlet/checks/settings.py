"""Layer 1 — settings: the inlet id (64 hex characters, nothing around it), the header values —
judged before any network use."""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..settings import INLET_ID, InletSettings
from ..state import InletState

_COLLECTION = "/collection/"


def inlet_id_problems(inlet_id: str) -> list[str]:
    """Why ``inlet_id`` is not a well-formed inlet id (empty list: it is)."""
    why: list[str] = []
    if inlet_id != inlet_id.strip():
        why.append("has spaces around it (pasted with a trailing space?)")
    bare = inlet_id.strip()
    if len(bare) != 64:
        why.append(f"is {len(bare)} characters long; an inlet id has 64")
    if bare and not all(c in "0123456789abcdefABCDEF" for c in bare):
        bad = next(c for c in bare if c not in "0123456789abcdefABCDEF")
        why.append(f"contains {bad!r}; an inlet id is hexadecimal (0-9, a-f)")
    elif bare and not INLET_ID.match(bare) and len(bare) == 64:
        why.append("has upper-case letters; the inlet id is lower-case hexadecimal")
    return why


class InletSettingsCheck(Check[InletSettings, InletState]):
    """The inlet id and the header values, field by field."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[InletSettings, InletState]) -> Outcome:
        s = ctx.settings
        findings: list[Finding] = []
        facts: dict[str, Any] = {"host": s.host, "port": s.port, "inlet_id": s.inlet_id.strip(),
                                 "flow_id": s.effective_flow_id, "ims_org": s.ims_org,
                                 "authenticated": s.needs_token,
                                 "mode": "send one record" if s.send else "dry run (nothing is sent)"}
        why = inlet_id_problems(s.inlet_id)
        if why:
            bare = s.inlet_id.strip()
            # The URL as given, up to /collection/: its scheme and any port stay the user's.
            base = s.inlet_url.split(_COLLECTION, 1)[0] if _COLLECTION in s.inlet_url else (
                f"https://{s.host}")
            findings.append(make_finding(
                "config.invalid", f"the inlet id {s.inlet_id!r} {'; '.join(why)}",
                evidence={"field": "inlet_url", "inlet_id": s.inlet_id, "length": len(s.inlet_id),
                          "problems": why},
                fix=[f"Copy the streaming endpoint again from the dataflow's page: "
                     f"{base}{_COLLECTION} followed by the 64-character inlet id"
                     + (f" ({bare[:64].lower()!r} without the spaces)" if len(bare) == 64 else "")
                     + "."]))
        for name, header, value in (("flow_id", "x-adobe-flow-id", s.flow_id),
                                    ("ims_org", "x-gw-ims-org-id", s.ims_org),
                                    ("sandbox_name", "x-sandbox-name", s.sandbox_name)):
            if value is not None and value != value.strip():
                findings.append(make_finding(
                    "config.invalid", f"{header} {value!r} has spaces around it",
                    evidence={"field": name, "length": len(value)}, field=name,
                    fix=[f"Give {header} without spaces: {value.strip()!r}."]))
        if s.ims_org and not s.ims_org.strip().endswith("@AdobeOrg"):
            findings.append(make_finding(
                "config.invalid", f"x-gw-ims-org-id {s.ims_org.strip()!r} does not end with @AdobeOrg",
                evidence={"field": "ims_org"}, field="ims_org",
                fix=["Give the organisation id as the Admin Console shows it (…@AdobeOrg)."]))
        return Outcome.of(findings, **facts)
