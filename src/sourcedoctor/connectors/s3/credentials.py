"""Where the keys of a run come from: the settings, the environment, or a shared-credentials profile.

The order is the one every AWS tool uses, minus the instance-metadata providers: an EC2 role or
a container role belongs to the machine sourcedoctor runs on, not to the connection the platform
will make, so a diagnosis that passed with it would prove nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from pydantic import SecretStr

#: What the first letters of an access key ID say about it (AWS documents the prefixes).
KEY_KINDS = {
    "AKIA": "long-term access key of an IAM user",
    "ASIA": "temporary access key (STS); needs its session token",
    "GOOG": "Google Cloud Storage HMAC key",
}


class AwsKeySettings(Protocol):
    """What the resolution reads: the key fields every AWS connector's settings have (S3, Kinesis)."""

    @property
    def access_key_id(self) -> str | None: ...
    @property
    def secret_access_key(self) -> SecretStr | None: ...
    @property
    def session_token(self) -> SecretStr | None: ...
    @property
    def aws_profile(self) -> str | None: ...


@dataclass(frozen=True)
class ResolvedCredentials:
    """The keys a run signs with and where they came from (``source`` is safe to print)."""

    access_key_id: str
    secret: SecretStr
    token: SecretStr | None
    source: str

    @property
    def kind(self) -> str:
        return KEY_KINDS.get(self.access_key_id[:4], "access key of an S3-compatible service")

    @property
    def shown_id(self) -> str:
        """The key ID shortened for reports: enough to tell keys apart, not to copy one."""
        k = self.access_key_id
        return k if len(k) <= 8 else f"{k[:4]}…{k[-4:]}"


class CredentialsProblem(Exception):
    """No usable keys; ``missing`` names what is missing, ``field`` the setting to fix."""

    def __init__(self, message: str, *, field: str, missing: list[str], tried: list[str]) -> None:
        super().__init__(message)
        self.field = field
        self.missing = missing
        self.tried = tried


def _from_env() -> ResolvedCredentials | None:
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return None
    token = os.environ.get("AWS_SESSION_TOKEN")
    return ResolvedCredentials(key, SecretStr(secret), SecretStr(token) if token else None,
                               "environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)")


def _from_profile(profile: str | None) -> ResolvedCredentials | None:
    """Keys from the shared credentials/config files (botocore reads them; no network use)."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        session = botocore.session.Session(profile=profile)
        resolver = session.get_component("credential_provider")
        for name in ("env", "iam-role", "container-role"):  # env is handled above; roles: module doc
            resolver.remove(name)
        found = resolver.load_credentials()
    except BotoCoreError as exc:
        raise CredentialsProblem(f"profile {profile or 'default'}: {exc}", field="aws_profile",
                                 missing=["aws_profile"], tried=["profile"]) from None
    if found is None:
        return None
    frozen = found.get_frozen_credentials()
    where = f"profile {profile or os.environ.get('AWS_PROFILE') or 'default'} ({found.method})"
    return ResolvedCredentials(frozen.access_key, SecretStr(frozen.secret_key),
                               SecretStr(frozen.token) if frozen.token else None, where)


def resolve_credentials(settings: AwsKeySettings) -> ResolvedCredentials:
    """The keys to sign with; :class:`CredentialsProblem` when there are none (or half of them).

    Blocking (reads files): call it from a worker thread.
    """
    s = settings
    if s.access_key_id and s.secret_access_key:
        return ResolvedCredentials(s.access_key_id, s.secret_access_key, s.session_token, "settings")
    if s.access_key_id or s.secret_access_key:
        missing = "secret_access_key" if s.access_key_id else "access_key_id"
        raise CredentialsProblem(f"{missing} is missing (the other half of the key pair was given)",
                                 field=missing, missing=[missing], tried=["settings"])
    if s.aws_profile is None:
        env = _from_env()
        if env is not None:
            return env
    found = _from_profile(s.aws_profile)
    if found is not None:
        return found
    raise CredentialsProblem("no access key was given and none was found",
                             field="access_key_id", missing=["access_key_id", "secret_access_key"],
                             tried=["settings", "environment", f"profile {s.aws_profile or 'default'}"])
