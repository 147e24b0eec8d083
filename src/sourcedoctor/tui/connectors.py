"""The connector behind a screen's settings or report, found through the registry.

Screens run on the UI thread, which must never wait on a heavy import, so they look connectors up
here (the registry loads only the connector's own light module: settings model, field map) and
leave ``api`` (asyncssh, the engine) to the workers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["DEFAULT_CONNECTOR", "connector_named", "connector_of", "installed", "redacted_url",
           "report_connector"]

from ..connectors import UnknownConnector, connector_of, get, names

if TYPE_CHECKING:
    from ..connectors.base import Connector
    from ..model import Report

#: The connector the app's ``n`` key and a bare ``SetupScreen()`` open: the first one shipped.
DEFAULT_CONNECTOR = "sftp"


def installed() -> list[Connector]:
    """Every installed connector that loads, the built-in ones first (for menus)."""
    found = []
    for name in names():
        try:
            found.append(get(name))
        except (UnknownConnector, ImportError, AttributeError):
            continue  # a broken third-party connector is left out of the menus, not fatal
    return found


def connector_named(name: str) -> Connector:
    """The installed connector called ``name`` (raises UnknownConnector naming the known ones)."""
    return get(name)


def report_connector(report: Report) -> Connector | None:
    """The connector named in a report's ``target`` block, if it is installed."""
    name = report.target.get("connector")
    if not isinstance(name, str):
        return None
    try:
        return get(name)
    except UnknownConnector:  # a report from a connector this install lacks: still readable
        return None


def redacted_url(settings: Any) -> str:
    """The settings as a URL without any secret (the connector's report ``target.url``)."""
    return str(connector_of(settings).target_block(settings, "generic").get("url", "?"))
