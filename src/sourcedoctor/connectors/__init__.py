"""Connectors: per source type, its settings, its plan of checks and its reader — and the registry.

``get(name)``, ``for_url(url)``, ``connector_of(settings)`` and ``names()`` find a connector
(see :mod:`.base` for what one declares). Built-in connectors are listed here by module path and
loaded only when used, so ``sourcedoctor check sftp://…`` never imports another connector's SDK.
A connector shipped as its own package registers an entry point in the group
``sourcedoctor.connectors`` whose name is the connector's name and whose object is the connector;
entry points are read (not loaded) for ``names()`` and loaded only when asked for by name or when a
URL's scheme is not a built-in one.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib import metadata

    from .base import Connector

ENTRY_POINT_GROUP = "sourcedoctor.connectors"

#: Built-in connectors: name → (module holding ``CONNECTOR``, URL schemes it owns).
_BUILTIN: dict[str, tuple[str, tuple[str, ...]]] = {
    # files
    "sftp": ("sourcedoctor.connectors.sftp.connector", ("sftp",)),
    "ftp": ("sourcedoctor.connectors.ftp.connector", ("ftp", "ftps", "ftps+implicit")),
    "s3": ("sourcedoctor.connectors.s3.connector", ("s3", "gs")),
    "azblob": ("sourcedoctor.connectors.azblob.connector", ("azblob",)),
    # tables
    "postgres": ("sourcedoctor.connectors.postgres.connector", ("postgresql", "postgres")),
    "mysql": ("sourcedoctor.connectors.mysql.connector", ("mysql", "mariadb")),
    # streams
    "inlet": ("sourcedoctor.connectors.inlet.connector", ("inlet", "https")),  # https: /collection/… only
    "kafka": ("sourcedoctor.connectors.kafka.connector", ("kafka", "kafka+ssl")),
    "kinesis": ("sourcedoctor.connectors.kinesis.connector", ("kinesis",)),
    "eventhubs": ("sourcedoctor.connectors.eventhubs.connector", ("eventhubs", "sb")),
    "pubsub": ("sourcedoctor.connectors.pubsub.connector", ("pubsub",)),
}


class UnknownConnector(LookupError):
    """No connector of that name, or none owns that URL scheme; the message lists the known ones."""


@cache
def _entry_points() -> dict[str, metadata.EntryPoint]:
    # Only when asked: reading every installed package's entry points costs ~5 ms, which a run
    # of a built-in connector never needs (connector_of, for_url try the built-ins first).
    from importlib import metadata

    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)
            if ep.name not in _BUILTIN}


def names() -> list[str]:
    """Every installed connector's name (built-in first), without importing any of them."""
    return [*_BUILTIN, *sorted(_entry_points())]


@cache
def get(name: str) -> Connector:
    """The connector called ``name``; :class:`UnknownConnector` if none is installed."""
    if name in _BUILTIN:
        module = importlib.import_module(_BUILTIN[name][0])
        connector: Connector = module.CONNECTOR
        return connector
    ep = _entry_points().get(name)
    if ep is None:
        raise UnknownConnector(f"no connector {name!r}; installed: {', '.join(names())}")
    loaded: Connector = ep.load()
    return loaded


def scheme_of(url: str) -> str | None:
    """The lower-case scheme of ``url`` ("sftp" for "SFTP://…"), or None without "://"."""
    head, sep, _ = url.partition("://")
    return head.strip().lower() if sep and head.strip() else None


def for_url(url: str) -> Connector:
    """The connector that owns ``url``'s scheme; :class:`UnknownConnector` naming the known ones."""
    scheme = scheme_of(url)
    if scheme is None:
        raise UnknownConnector(f"{url!r} has no scheme; write it as SCHEME://…, e.g. sftp://user@host/folder")
    for name, (_, schemes) in _BUILTIN.items():
        if scheme in schemes and _claims(get(name), url):
            return get(name)
    for name in _entry_points():
        connector = get(name)
        if scheme in connector.schemes and _claims(connector, url):
            return connector
    known = sorted({s for _, schemes in _BUILTIN.values() for s in schemes})
    if scheme in known:  # owned by connectors that claim only some of its URLs
        owners = [n for n, (_, schemes) in _BUILTIN.items() if scheme in schemes]
        verb = "takes" if len(owners) == 1 else "take"
        raise UnknownConnector(f"no connector takes this {scheme}:// URL ({', '.join(owners)} "
                               f"{verb} only some {scheme}:// URLs; see sourcedoctor connectors)")
    raise UnknownConnector(f"no connector for {scheme}:// URLs; known schemes: {', '.join(known)}")


def _claims(connector: Connector, url: str) -> bool:
    """Whether ``connector`` takes ``url``. A connector sharing a common scheme with others
    (``https``) declares an optional ``claims(url) -> bool`` and owns only the URLs it names; a
    connector without it owns every URL of its schemes."""
    claims = getattr(connector, "claims", None)
    return bool(claims(url)) if callable(claims) else True


def connector_of(settings: Any) -> Connector:
    """The connector whose settings model ``settings`` is an instance of (built-ins first: entry
    points are read and loaded only when none of them matched)."""
    for name in _BUILTIN:
        connector = get(name)
        if isinstance(settings, connector.settings_model):
            return connector
    for name in sorted(_entry_points()):
        connector = get(name)
        if isinstance(settings, connector.settings_model):
            return connector
    raise UnknownConnector(f"no installed connector takes {type(settings).__name__}")
