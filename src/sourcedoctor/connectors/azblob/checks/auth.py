"""Layer 5 — authentication: one request signed with the key or carrying the SAS.

Get Account Information needs no container, and the service checks the credential before any
permission, so any answer but a credential refusal proves the key or SAS is accepted —
AuthorizationPermissionMismatch included (a container SAS without ``r`` may not ask it; the
container and listing layers judge permissions). One request, sent once (the client has no
retries). A service principal is not exercised (its token comes from Microsoft Entra ID).
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ...common import BuildsClient
from ..answers import PERMISSION_CODES, finding_for
from ..client import BlobClient, BlobFailure
from ..settings import AzblobSettings
from ..state import AzblobState


class AuthCheck(BuildsClient, Check[AzblobSettings, AzblobState]):
    """Send one authenticated request; name a refused key or SAS."""

    id = "blob.auth"
    title = "Authentication"
    needs = ("tls.handshake",)
    timeout_steps = 1.0  # one request, after loading the SDK (BuildsClient)

    async def run(self, ctx: Context[AzblobSettings, AzblobState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        r = s.resolved
        if r.method is None:
            return Outcome.of([make_finding(
                "auth.no_credentials", "no credential given: the platform authenticates with a "
                "connection string (account key), a SAS URI or a service principal",
                evidence={"given": "none"},
                fix=["Give one: --connection-string-env VAR (platform field connectionString), "
                     "--sas-uri-env VAR (sasUri), or the service principal fields "
                     "(--service-endpoint, --service-principal-id, --service-principal-key-env, "
                     "--tenant)."])])
        if r.method == "service_principal":
            return Outcome.not_applicable(
                "service principal: the token request to Microsoft Entra ID is not made (see "
                "blob.service_principal_unverified)", auth_method=r.method)
        client = await BlobClient.create(s, ctx.step_timeout)
        st.client = client
        ctx.resources.push_async_callback(client.close)
        facts: dict[str, Any] = {"auth_method": r.method, "request": "Get Account Information"}
        # A SAS may be scoped to the container: ask through the container's URL.
        target = client.service if r.method == "account_key" else client.container
        try:
            info = await client.call(target.get_account_information)
        except BlobFailure as failure:
            facts["answer"] = failure.code
            ctx.transcript.add("blob", f"Get Account Information → {failure.code}")
            # Only an answer about permissions (or the container) proves the credential was
            # accepted; a refusal, another error or no blob service answer at all stops here.
            if failure.code not in PERMISSION_CODES and failure.code != "ContainerNotFound":
                return Outcome.of([finding_for(failure, s, what="Get Account Information")], **facts)
            facts["credential"] = "accepted (the answer was about permissions, not the credential)"
            return Outcome.of(**facts)
        if not info.get("request_id"):
            # Every blob service answer carries x-ms-request-id; a web server answering 200 to
            # anything (a console URL, a captive portal) does not.
            facts["answer"] = "200 without x-ms-request-id"
            not_azure = BlobFailure("200", "a success without Azure's x-ms-request-id header", 200)
            return Outcome.of([finding_for(not_azure, s, what="Get Account Information")], **facts)
        facts.update(answer="ok", sku=str(info.get("sku_name", "")) or None,
                     account_kind=str(info.get("account_kind", "")) or None,
                     hierarchical_namespace=info.get("is_hns_enabled"))
        ctx.transcript.add("blob", "Get Account Information → ok")
        return Outcome.of(**facts)
