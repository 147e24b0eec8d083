"""Which keys a fleet row may set, per connector: the ``check`` options of that connector's URL.

A row's URL picks its connector (``sftp://``, ``ftp://``, ``s3://``, ``postgresql://`` …); its other
keys are that connector's ``check`` options with underscores (``--ssl-mode`` → ``ssl_mode``,
``--ca-bundle`` → ``ca_bundle``), read from the connector's settings model the way the CLI renders
it (:func:`sourcedoctor.config.model_fields.model_options`), so a new connector's options work in a fleet file
without a line here. A secret option (``--password-env``, ``--secret-access-key-env``) is only ever
a reference: ``password_env``, ``password_keyring`` or ``password_prompt`` — the secret itself as
a key (``password = "…"``) is refused.

SFTP keeps its own, older key set (its ``check`` command is not rendered from its model): ``key``
for the private key file, ``password``/``passphrase`` references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from ..config.model_fields import model_options

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


@cache
def keys_for(connector_name: str) -> ConnectorKeys:
    """The fleet keys of the connector called ``connector_name``."""
    if connector_name == "sftp":
        return ConnectorKeys("sftp", dict(SFTP_PLAIN),
                             {stem: (fld, f"--{stem}") for stem, fld in SFTP_SECRETS.items()})
    from .. import connectors

    plain: dict[str, str] = {}
    secrets: dict[str, tuple[str, str]] = {}
    for opt in model_options(connectors.get(connector_name).settings_model):
        if opt.dest in COMMON_KEYS:
            continue
        if opt.secret:
            secrets[opt.dest] = (opt.field, opt.flag)
        else:
            plain[opt.dest] = opt.field
    return ConnectorKeys(connector_name, plain, secrets)
