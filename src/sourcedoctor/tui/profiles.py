"""Saved connection profiles: non-secret fields in a JSON file, secrets only in the system keyring.

A profile remembers its connector ("sftp", "s3"); its secrets are the settings model's SecretStr
fields, whatever the connector.

When no real keyring backend exists (a server without a desktop session, a container), secrets are
not saved at all and the caller tells the user so; they are never written to the JSON file.
"""

from __future__ import annotations

import json
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, SecretStr

from ..userfiles import PROFILES_LIMIT, UserFileError, read_user_file

KEYRING_SERVICE = "sourcedoctor"
_NAME_OK = re.compile(r"^[\w .@-]{1,64}$")
#: Runs of characters a profile name cannot hold (what a URL adds: ``:/?=&,[]`` …).
_NAME_BAD = re.compile(r"[^\w .@-]+")


def suggested_profile_name(settings: BaseModel, url: str) -> str:
    """A profile name to offer for ``settings`` that :meth:`ProfileStore.save` always accepts:
    ``user@host`` when the settings have both, else ``url`` without its scheme, with every
    character a name cannot hold replaced by ``-`` (``clicks?region=us-east-1`` →
    ``clicks-region-us-east-1``), at most 64 characters; ``profile`` when nothing is left."""
    user, host = getattr(settings, "user", None), getattr(settings, "host", None)
    text = f"{user}@{host}" if user and host else url.partition("://")[2] or url
    name = _NAME_BAD.sub("-", text).strip(" -")[:64].strip(" -")
    return name if _NAME_OK.match(name) else "profile"


def secret_fields(settings: BaseModel) -> tuple[str, ...]:
    """The names of the settings' secret fields (SecretStr, or marked secret in the model)."""
    out = []
    for name, info in type(settings).model_fields.items():
        extra = info.json_schema_extra
        if (SecretStr in (typing.get_args(info.annotation) or (info.annotation,))
                or (isinstance(extra, dict) and extra.get("secret"))):
            out.append(name)
    return tuple(out)


def default_profiles_path() -> Path:
    """``profiles.json`` under the user's config directory."""
    return Path(platformdirs.user_config_dir("sourcedoctor")) / "profiles.json"


def real_keyring() -> Any | None:
    """The keyring backend when it really stores secrets safely, else None.

    The fail/null backends and the plain-text ones from keyrings.alt do not count: a secret
    "saved" there is either lost or readable by anyone who can read the file.
    """
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken backend configuration is "no keyring", not a crash
        return None
    module = type(backend).__module__
    if isinstance(backend, fail.Keyring) or "null" in module or module.startswith("keyrings.alt"):
        return None
    if module.startswith("keyring.backends.chainer") and not getattr(backend, "backends", None):
        return None
    return backend


@dataclass(frozen=True)
class SavedProfile:
    """What saving did: where the fields went and whether the secrets went to the keyring."""

    name: str
    path: Path
    secrets_in_keyring: tuple[str, ...]
    secrets_dropped: tuple[str, ...]

    @property
    def message(self) -> str:
        """One line for the user saying exactly what happened to the secrets."""
        where = f"Saved profile {self.name!r} to {self.path}"
        if self.secrets_in_keyring:
            return f"{where}; {', '.join(self.secrets_in_keyring)} stored in the system keyring."
        if self.secrets_dropped:
            dropped = ", ".join(self.secrets_dropped)
            return (f"{where}; no system keyring is available, so these were NOT saved: "
                    f"{dropped} (type them again next time).")
        return f"{where}."


class ProfileStore:
    """Reads and writes profiles in one JSON file (``{"profiles": {name: {...}}}``)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_profiles_path()

    def _load(self, *, strict: bool = False) -> dict[str, dict[str, Any]]:
        """The saved profiles; none when the file is missing or unreadable.

        ``strict`` (before a save): a path that is not a regular file, or one too large to be a
        profiles file, raises ValueError instead — saving would otherwise replace it.
        """
        if not self.path.exists() and not self.path.is_symlink():
            return {}
        try:
            raw = read_user_file(self.path, "profiles", limit=PROFILES_LIMIT,
                                 what="a profiles file", fix="give a profiles .json file")
        except UserFileError as exc:
            if strict:
                raise ValueError(str(exc)) from None
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            return {}
        profiles = data.get("profiles") if isinstance(data, dict) else None
        return profiles if isinstance(profiles, dict) else {}

    def names(self) -> list[str]:
        """Profile names, most recently saved first."""
        profiles = self._load()
        return sorted(profiles, key=lambda n: profiles[n].get("saved_at", 0), reverse=True)

    def save(self, name: str, settings: BaseModel, target: str, saved_at: float,
             connector: str = "sftp") -> SavedProfile:
        """Save ``connector``'s ``settings`` under ``name``; raises ValueError for a bad name."""
        if not _NAME_OK.match(name):
            raise ValueError("profile name: use 1-64 letters, digits, spaces, '.', '@', '-' or '_'")
        secrets = secret_fields(settings)
        fields = settings.model_dump(exclude=set(secrets), exclude_defaults=True)
        backend = real_keyring()
        stored: list[str] = []
        dropped: list[str] = []
        for secret_name in secrets:
            value = getattr(settings, secret_name)
            if value is None:
                continue
            if backend is not None:
                backend.set_password(KEYRING_SERVICE, f"{name}:{secret_name}",
                                     value.get_secret_value())
                stored.append(secret_name)
            else:
                dropped.append(secret_name)
        profiles = self._load(strict=True)
        profiles[name] = {"connector": connector, "fields": fields, "target": target,
                          "saved_at": saved_at, "secrets": stored}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"profiles": profiles}, indent=2), encoding="utf-8")
        tmp.replace(self.path)
        return SavedProfile(name, self.path, tuple(stored), tuple(dropped))

    def load(self, name: str) -> tuple[dict[str, Any], str]:
        """The profile's field values (secrets from the keyring when stored there) and target."""
        entry = self._load().get(name)
        if entry is None:
            raise KeyError(name)
        values: dict[str, Any] = dict(entry.get("fields", {}))
        backend = real_keyring()
        for secret_name in entry.get("secrets", []):
            if backend is None:
                continue
            secret = backend.get_password(KEYRING_SERVICE, f"{name}:{secret_name}")
            if secret is not None:
                values[secret_name] = secret
        return values, str(entry.get("target", "generic"))

    def connector(self, name: str) -> str:
        """The connector a profile was saved for ("sftp" for profiles from before connectors)."""
        entry = self._load().get(name)
        if entry is None:
            raise KeyError(name)
        return str(entry.get("connector", "sftp"))
