"""Layer 1 — settings: the connection string, the SAS and the names, judged before any request.

Every problem :mod:`..credentials` found becomes a finding naming the field and key; the account
and container names are checked against Azure's naming rules. A service principal is parsed
(tenant, client ID, secret, endpoint) and explained with an info finding: getting its token needs
Microsoft Entra ID, which this check does not call.

The platform's same-region restriction (a storage account in the platform's own Azure region
cannot be reached) is not judged here: a blob endpoint (``ACCOUNT.blob.core.windows.net``, a
private-link or sovereign-cloud name) never says the account's region. The facts say so.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.listing import folder_finding
from ....codes import make_finding
from ....model import Finding, Severity
from ..azcli import az_values
from ..credentials import Problem
from ..settings import AzblobSettings
from ..state import AzblobState

_CONTAINER = re.compile(r"^(?:\$root|\$logs|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$")
_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_TENANT_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
REGION_FACT = ("not revealed: blob endpoints (ACCOUNT.blob.core.windows.net) do not name the "
               "account's region; check it in the portal (storage account → Overview → Location)")


def finding_of(problem: Problem, target_cloud: bool, **names: str) -> Finding:
    """A :class:`Problem` as a finding (a SAS IP range: a warning for a cloud platform, which
    connects from its own addresses; information for a local reader)."""
    severity = Severity[problem.severity] if problem.severity else None
    if problem.code == "blob.sas_ip_restricted":
        private = problem.evidence.get("scope") == "private"
        severity = (Severity.FAIL if private else Severity.WARN) if target_cloud else Severity.INFO
    values = {**names, "field": problem.field, **problem.values}
    return make_finding(problem.code, problem.summary, evidence=problem.evidence,
                        severity=severity, fix=problem.fix, **values)


class AzblobSettingsCheck(Check[AzblobSettings, AzblobState]):
    """Cross-field rules and the pasted credentials, before any network use."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[AzblobSettings, AzblobState]) -> Outcome:
        s = ctx.settings
        r = s.resolved
        facts: dict[str, Any] = {"auth_method": r.method or "none", "endpoint": r.endpoint,
                                 "endpoint_from": r.endpoint_from, "account": r.account,
                                 "container": s.container_name or None,
                                 "folder": s.folder or "(container root)"}
        if r.sas is not None:
            facts["sas"] = {**r.sas.public(), "kind": r.sas.kind}
        if ctx.target.cloud:
            facts["region"] = REGION_FACT
        names = {"account": r.account or "ACCOUNT", "container": s.container_name or "CONTAINER",
                 **az_values(s)}  # az commands in fixes run as printed (auth, https)
        findings = [finding_of(p, ctx.target.cloud, **names) for p in r.problems]
        findings += self._names(s)
        if r.method == "service_principal":
            findings += self._service_principal(s)
        unsafe_folder = folder_finding(s.folder)
        if unsafe_folder is not None:
            findings.append(unsafe_folder)
        return Outcome.of(findings, **facts)

    @staticmethod
    def _names(s: AzblobSettings) -> list[Finding]:
        r = s.resolved
        out: list[Finding] = []
        if not r.endpoint:
            out.append(make_finding(
                "config.invalid", "no storage account named: give azblob://ACCOUNT/CONTAINER, a "
                "connectionString or a sasUri", evidence={"field": "account"}, field="account"))
        elif r.account and not _ACCOUNT.match(r.account):
            out.append(make_finding(
                "config.invalid", f"account name {r.account!r} is not 3-24 lowercase letters and "
                "digits", evidence={"field": "account"}, field="account"))
        name = s.container_name
        if not name:
            out.append(make_finding(
                "config.invalid", "no container named: give azblob://ACCOUNT/CONTAINER or "
                "--container (platform field container)", evidence={"field": "container"},
                field="container"))
        elif not _CONTAINER.match(name):
            out.append(make_finding(
                "config.invalid", f"container name {name[:70]!r} breaks Azure's rules (3-63 "
                "lowercase letters, digits and single hyphens, starting with a letter or digit)",
                evidence={"field": "container"}, field="container"))
        return out

    @staticmethod
    def _service_principal(s: AzblobSettings) -> list[Finding]:
        out: list[Finding] = []
        missing = [alias for alias, value in (
            ("serviceEndpoint", s.service_endpoint), ("servicePrincipalId", s.service_principal_id),
            ("servicePrincipalKey", s.service_principal_key), ("tenant", s.tenant)) if not value]
        for alias in missing:
            field = {"serviceEndpoint": "service_endpoint", "servicePrincipalId": "service_principal_id",
                     "servicePrincipalKey": "service_principal_key"}.get(alias, alias)
            out.append(make_finding(
                "config.invalid", f"service principal authentication needs {alias}",
                evidence={"field": field}, field=field))
        if s.service_principal_id and not _is_guid(s.service_principal_id):
            out.append(make_finding(
                "config.invalid", "servicePrincipalId must be the application (client) ID, a GUID "
                "like 00000000-0000-0000-0000-000000000000 (not the display name or object ID)",
                evidence={"field": "service_principal_id"}, field="service_principal_id"))
        if s.tenant and not (_is_guid(s.tenant) or _TENANT_DOMAIN.match(s.tenant)):
            out.append(make_finding(
                "config.invalid", "tenant must be the directory (tenant) ID GUID or a domain such as "
                "contoso.onmicrosoft.com", evidence={"field": "tenant"}, field="tenant"))
        out.append(make_finding(
            "blob.service_principal_unverified",
            "service principal settings parsed; the token request to Microsoft Entra ID is not "
            "made offline, so authentication, container and listing are not tested",
            evidence={"tenant": s.tenant, "service_principal_id": s.service_principal_id,
                      "service_endpoint": s.service_endpoint, "account_kind": s.account_kind,
                      "service_principal_key": "set" if s.service_principal_key else None},
            tenant=s.tenant or "TENANT", account=s.resolved.account or "ACCOUNT"))
        return out


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return len(value) == 36
    except ValueError:
        return False
