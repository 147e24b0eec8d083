"""The connector type: what one kind of source (SFTP, S3, PostgreSQL …) declares, once.

The engine (runner, reports, preview, lake), the CLI and the TUI know sources only through this
protocol and the registry in :mod:`sourcedoctor.connectors`; nothing under ``checks/``, ``preview/``,
``lake/``, ``report/``, ``runner.py`` or ``model.py`` imports a connector. A connector declares:

- its ``name`` and URL ``schemes`` (``s3`` and ``gs`` for object storage …);
- its settings model (pydantic, the platform's field names as aliases, a description per field —
  rendered both as CLI options and as the TUI form), built from a URL plus values by
  :meth:`Connector.settings`;
- its plan of checks for a target profile, and the state those checks share;
- what it opens for reading once the diagnosis reached the data (``source_layer`` and
  ``source_of``: a ``FileSource``, or a ``RowSource`` for tables and streams);
- the report's ``target`` block, its redactor (every secret of its settings), the command that
  reproduces a run without secrets, which settings field a finding points at, and who acts on each
  layer's findings (``audiences``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..model import Finding

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..checks.base import Check
    from ..config.secrets import Redactor
    from ..targets import TargetProfile


@runtime_checkable
class Connector(Protocol):
    """One kind of source. Implementations are plain objects registered by name."""

    #: Registry name, also the report's ``target.connector`` ("sftp", "s3").
    name: str
    #: URL schemes this connector owns, lower-case, without "://".
    schemes: tuple[str, ...]
    #: Human name for menus and headings ("SFTP server", "Amazon S3 / S3-compatible storage").
    title: str
    #: Layer prefix → who acts on findings of that layer, where it differs from the catalogue's
    #: generic audience (``{"path": "the bucket owner", "file": "the bucket owner"}``).
    audiences: Mapping[str, str]

    @property
    def settings_model(self) -> type[BaseModel]:
        """The pydantic model of this connector's settings."""
        ...

    def settings(self, url: str | None = None, **values: Any) -> BaseModel:
        """Settings from a URL and/or field values; raises ``SettingsError`` naming the field."""
        ...

    def plan(self, settings: Any, target: TargetProfile) -> list[Check[Any, Any]]:
        """The checks of a diagnosis, in the order a person reads them."""
        ...

    def new_state(self, settings: Any) -> Any:
        """A fresh mutable state for one run (what the checks share)."""
        ...

    def target_block(self, settings: Any, target: str) -> dict[str, Any]:
        """The report's ``target`` block: connector, profile, redacted URL, public settings."""
        ...

    def redactor(self, settings: Any, *, redact_hosts: bool = False) -> Redactor:
        """A redactor that knows every secret (and identity) in these settings."""
        ...

    def reproduce(self, settings: Any, target: str, timeout: float) -> str:
        """The ``sourcedoctor check …`` command line for these settings, without any secret."""
        ...

    def field_for(self, finding: Finding) -> str | None:
        """The settings field a finding points at (the TUI's ``e``), or None."""
        ...

    #: The check after which the source is open for reading (``api.open_source`` runs the plan up
    #: to it and keeps the connection): "sftp.folder", "s3.listing".
    source_layer: str

    def source_of(self, state: Any) -> tuple[Any, str | None]:
        """What the run opened for reading: (FileSource or None, resolved folder or None)."""
        ...


def field_by_code(finding: Finding, exact: Mapping[str, str], prefixes: Mapping[str, str],
                  aliases: Mapping[str, str]) -> str | None:
    """A connector's ``field_for`` from its tables: ``config.invalid`` names its field (a platform
    alias is translated to the settings name), then exact codes, then code prefixes in order."""
    if finding.code == "config.invalid":
        named = finding.evidence.get("field")
        return aliases.get(str(named), str(named)) if named else None
    if finding.code in exact:
        return exact[finding.code]
    return next((name for prefix, name in prefixes.items() if finding.code.startswith(prefix)), None)
