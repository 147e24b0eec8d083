"""Blob service refusals → findings: one place that knows what each error code means and who acts.

Every layer sends its request and hands a :class:`~.client.BlobFailure` here with what it asked
(``what``) and the SAS permission letter that request needs (``letter``: ``l`` to list, ``r`` to
read); the finding names the cause and the exact change — the SAS letter to add, the RBAC role to
assign, the key to copy again.

Azure answers a refused key or SAS with ``AuthenticationFailed``; Azurite answers the same with
``AuthorizationFailure``. On Azure, ``AuthorizationFailure`` with "not authorized to perform this
operation" is the storage account's firewall (network rules) refusing the client's address.
"""

from __future__ import annotations

from typing import Any

from ...codes import make_finding
from ...model import Finding, Severity
from .azcli import az_values
from .client import BlobFailure
from .settings import AzblobSettings

AUTH_CODES = frozenset({"AuthenticationFailed", "AuthorizationFailure", "InvalidAuthenticationInfo"})
PERMISSION_CODES = frozenset({"AuthorizationPermissionMismatch", "AuthorizationResourceTypeMismatch",
                              "AuthorizationServiceMismatch"})
#: The built-in role that lets a service principal list and read blobs.
READER_ROLE = "Storage Blob Data Reader"
_LETTER_NAMES = {"l": "list", "r": "read"}


def auth_cause(failure: BlobFailure, settings: AzblobSettings) -> tuple[str, str]:
    """(cause, sentence) for a refused credential, as precise as the evidence allows."""
    method = settings.resolved.method
    words = " ".join([failure.message, *failure.detail.values()]).lower()
    if failure.code == "AuthorizationFailure" and "not authorized to perform" in words:
        return ("network_rules", "the storage account's firewall (network rules) does not allow "
                "this client's address")
    if method == "sas":
        if "time frame" in words or "expir" in words:
            return ("sas_expired_for_service", "the service says the SAS is outside its validity "
                    "period (compare this machine's clock with the service's)")
        if "signature did not match" in words or "signature" in words:
            return ("sas_signature", "the SAS's signature (sig) does not match: it was altered "
                    "when copied, or the account key that signed it was rotated")
        return ("sas_refused", "the SAS was refused (ill-signed, or revoked: its signing key "
                "was rotated or its stored access policy removed)")
    if method == "account_key":
        return ("account_key", "the account key was refused: it is not the account's current "
                "key1/key2 (rotated, truncated, or another account's)")
    return ("credential", "the credential was refused")


def finding_for(failure: BlobFailure, settings: AzblobSettings, *, what: str,
                letter: str | None = None) -> Finding:
    """The finding for a failed request ``what`` that needed SAS permission ``letter``."""
    s = settings
    r = s.resolved
    code = failure.code
    evidence: dict[str, Any] = {"request": what, "auth_method": r.method, **failure.evidence()}
    if code in AUTH_CODES:
        cause, sentence = auth_cause(failure, s)
        evidence["cause"] = cause
        return make_finding("blob.auth_failed", f"{what}: {code}: {sentence}", evidence=evidence,
                            **_auth_fix(cause, s))
    if code == "ContainerNotFound":
        return make_finding("blob.container_not_found",
                            f"{what}: container {s.container_name} does not exist in account "
                            f"{r.account or '?'}", evidence=evidence, container=s.container_name,
                            account=r.account or "ACCOUNT", **az_values(s))
    if code == "AuthorizationSourceIPMismatch":
        sip = r.sas.fields.get("sip", "") if r.sas else ""
        evidence["sip"] = sip
        return make_finding("blob.sas_ip_restricted", f"{what}: refused: this client's address is "
                            f"outside the SAS's allowed addresses (sip={sip})", evidence=evidence,
                            severity=Severity.FAIL,  # the service refused: no longer a maybe
                            sip=sip or "(the account's network rules)")
    if code == "AuthorizationProtocolMismatch":
        return make_finding("blob.sas_protocol", f"{what}: refused: the SAS does not allow this "
                            "protocol", evidence=evidence,
                            spr=r.sas.fields.get("spr", "?") if r.sas else "?")
    if code in PERMISSION_CODES:
        return permission_denied(failure, s, what=what, letter=letter, evidence=evidence)
    if code.isdigit():
        summary = (f"{what}: HTTP {code} without an Azure error code: something other than a blob "
                   "service answered")
    elif code == "connection":
        summary = f"{what}: no answer ({failure.message})"
    else:
        summary = f"{what}: {code}: {failure.message}"
    return make_finding("blob.request_failed", summary, evidence=evidence, endpoint=r.endpoint or "?")


def permission_denied(failure: BlobFailure, s: AzblobSettings, *, what: str, letter: str | None,
                      evidence: dict[str, Any]) -> Finding:
    """``blob.permission_denied`` naming what is missing: the SAS letter, or the RBAC role."""
    r = s.resolved
    if r.method == "service_principal":
        evidence["needed_role"] = READER_ROLE
        return make_finding(
            "blob.permission_denied", f"{what}: the service principal lacks the role {READER_ROLE}",
            evidence=evidence, fix=[
                f"Assign the role \"{READER_ROLE}\" to the service principal on the container "
                f"{s.container_name} (or the storage account): az role assignment create --role "
                f"\"{READER_ROLE}\" --assignee {s.service_principal_id or 'CLIENT_ID'} --scope "
                f"/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/"
                f"{r.account or 'ACCOUNT'}/blobServices/default/containers/{s.container_name}",
                "Role assignments take up to 10 minutes to apply."])
    if failure.code == "AuthorizationResourceTypeMismatch":
        needed = "srt=co (container and object)" if r.sas and r.sas.kind == "account" else "sr=c"
        missing = needed
    elif failure.code == "AuthorizationServiceMismatch":
        needed = missing = "ss=b (the blob service)"
    else:
        needed = letter or "rl"
        missing = needed
    evidence.update(needed=needed, sas=r.sas.public() if r.sas else None)
    named = (f"{missing} ({_LETTER_NAMES[missing]})" if missing in _LETTER_NAMES else missing)
    return make_finding("blob.permission_denied",
                        f"{what}: {failure.code}: the SAS does not grant {named}",
                        evidence=evidence, missing=missing, needed="rl",
                        container=s.container_name, account=r.account or "ACCOUNT",
                        **az_values(s))


def _auth_fix(cause: str, s: AzblobSettings) -> dict[str, Any]:
    account = s.resolved.account or "ACCOUNT"
    steps = {
        "account_key": f"Copy key1 (or key2) again: az storage account keys list --account-name "
                       f"{account} --query [0].value -o tsv, and rebuild connectionString with it.",
        "sas_signature": "Generate a new SAS (Azure portal: container → Shared access tokens; "
                         "permissions Read and List, protocol HTTPS only) and paste the whole "
                         "Blob SAS URL unchanged.",
        "sas_refused": "Generate a new SAS with Read and List permissions and a future expiry; if it "
                       "names a stored access policy (si=), check that the policy still exists.",
        "sas_expired_for_service": "Synchronise this machine's clock, then generate a SAS whose "
                                   "start (st) is 15 minutes in the past.",
        "network_rules": f"Allow the platform's region IP addresses in the storage account's "
                         f"Networking → Firewalls and virtual networks ({account}), or enable "
                         "access from all networks.",
        "credential": "Check the credential given for this account.",
    }
    return {"step": steps.get(cause, steps["credential"]), "account": account}
