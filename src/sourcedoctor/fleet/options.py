"""Which keys a fleet row may set, per connector: the ``check`` options of that connector's URL.

A row's URL picks its connector (``sftp://``, ``ftp://``, ``s3://``, ``postgresql://`` …); its other
keys are that connector's ``check`` options with underscores (``--ssl-mode`` → ``ssl_mode``,
``--ca-bundle`` → ``ca_bundle``), read from the connector's settings model the way the CLI renders
it (:mod:`sourcedoctor.cli.model_options`), so a new connector's options work in a fleet file
without a line here. A secret option (``--password-env``, ``--secret-access-key-env``) is only ever
a reference: ``password_env``, ``password_keyring`` or ``password_prompt`` — the secret itself as
a key (``password = "…"``) is refused.

SFTP keeps its own, older key set (its ``check`` command is not rendered from its model): ``key``
for the private key file, ``password``/``passphrase`` references.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import SecretStr

#: Keys every row has, whatever its connector.
COMMON_KEYS = frozenset({"name", "url", "target", "timeout"})
#: How a secret is referenced: ``<secret>_env``, ``<secret>_keyring``, ``<secret>_prompt``.
REF_KINDS = ("env", "keyring", "prompt")

#: SFTP's plain keys (the same meaning as its ``check`` flags), and where each goes in its settings.
SFTP_PLAIN = {
    "folder": "folder", "file": "file", "user": "user", "key": "key_path",
    "known_hosts": "known_hosts", "host_key_fingerprint": "host_key_fingerprint",
    "resolver": "resolver", "max_connections": "max_connections", "max_entries": "max_entries",
}
#: SFTP's secrets: reference key stem → settings field.
SFTP_SECRETS = {"password": "password", "passphrase": "passphrase"}


@dataclass(frozen=True)
class ConnectorKeys:
    """A connector's fleet keys: plain key → settings field, secret stem → (settings field, flag)."""

    connector: str
    plain: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, tuple[str, str]] = field(default_factory=dict)

    def ref_keys(self) -> set[str]:
        return {f"{stem}_{kind}" for stem in self.secrets for kind in REF_KINDS}

    def known(self) -> set[str]:
        return set(COMMON_KEYS) | set(self.plain) | self.ref_keys()


def _extra(info: Any) -> dict[str, Any]:
    extra = info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def _is_secret(info: Any) -> bool:
    # The same rule as the CLI (cli.model_options._is_secret): marked secret, or a SecretStr field.
    if _extra(info).get("secret"):
        return True
    annotation = info.annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return SecretStr in typing.get_args(annotation)
    return annotation is SecretStr


@cache
def keys_for(connector_name: str) -> ConnectorKeys:
    """The fleet keys of the connector called ``connector_name``."""
    if connector_name == "sftp":
        return ConnectorKeys("sftp", dict(SFTP_PLAIN),
                             {stem: (fld, f"--{stem}") for stem, fld in SFTP_SECRETS.items()})
    from .. import connectors

    model = connectors.get(connector_name).settings_model
    plain: dict[str, str] = {}
    secrets: dict[str, tuple[str, str]] = {}
    for name, info in model.model_fields.items():
        extra = _extra(info)
        if extra.get("url_only"):
            continue  # the URL always gives it (the bucket of s3://bucket/…)
        flag = str(extra.get("cli") or "--" + name.replace("_", "-"))
        key = flag.lstrip("-").replace("-", "_")
        if key in COMMON_KEYS:
            continue
        if _is_secret(info):
            secrets[key] = (name, flag)
        else:
            plain[key] = name
    return ConnectorKeys(connector_name, plain, secrets)
