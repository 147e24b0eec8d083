"""The Azure CLI options a fix's ``az storage …`` command needs to run as printed.

``az storage`` commands need the account *and* a way to authenticate; without one they stop with
"There are no credentials provided". The options follow what this run used, with the secret in an
environment variable (the same names ``sourcedoctor``'s reproduce command uses), never its value:

- ``{az_auth}`` reads (list blobs, containers): a connection string, the SAS token, the account key,
  or ``--auth-mode login`` for a service principal;
- ``{az_signer}`` signs a new SAS: only the account key (or a connection string that holds it) can
  sign, so a SAS run is told to use the key;
- ``{https_only}`` is ``--https-only`` for an https endpoint; for a plain-http one (an emulator)
  such a SAS would be refused on every request, so the flag is left out.
"""

from __future__ import annotations

from typing import Any

from .settings import AzblobSettings

#: The connection string's variable (as in the reproduce command).
CS_VAR = "AZURE_STORAGE_CONNECTION_STRING"
KEY_VAR = "AZURE_STORAGE_KEY"
SAS_VAR = "AZURE_STORAGE_SAS_TOKEN"


def _endpoint(s: AzblobSettings) -> str:
    """``--blob-endpoint E`` when the endpoint is not the account's default one."""
    r = s.resolved
    if not r.endpoint or not r.account:
        return ""
    if r.endpoint.rstrip("/").lower() == f"https://{r.account}.blob.core.windows.net".lower():
        return ""
    return f" --blob-endpoint {r.endpoint}"


def az_values(s: AzblobSettings) -> dict[str, Any]:
    """``az_auth``, ``az_signer`` and ``https_only`` for a fix template (see the module doc)."""
    r = s.resolved
    account = r.account or "ACCOUNT"
    key = f"--account-name {account} --account-key \"${KEY_VAR}\"{_endpoint(s)}"
    if s.connection_string is not None:
        auth = signer = f"--connection-string \"${CS_VAR}\""
    elif r.method == "sas":
        auth = f"--account-name {account} --sas-token \"${SAS_VAR}\"{_endpoint(s)}"
        signer = key
    elif r.method == "service_principal":
        auth = f"--account-name {account} --auth-mode login{_endpoint(s)}"
        signer = key
    else:
        auth = signer = key
    https = (r.endpoint or "https://").lower().startswith("https://")
    return {"az_auth": auth, "az_signer": signer, "https_only": " --https-only" if https else ""}
