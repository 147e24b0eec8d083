"""Opening DuckDB the one way the product does: no extension is ever fetched or loaded behind
the user's back.

By default DuckDB installs (downloads from the internet) and loads a "known" extension the
moment a query or a file needs it — a SQLite file given as ``--lake`` made it try to fetch
``sqlite_scanner``. Everything sourcedoctor needs (CSV, JSON, Parquet) is built into the wheel,
so every connection turns both off; a file that would need an extension fails with DuckDB's own
one-line error instead of a network request.
"""

from __future__ import annotations

from typing import Any

import duckdb

#: DuckDB settings (names as ``duckdb_settings()`` lists them) applied to every connection.
NO_EXTENSION_AUTOLOAD: dict[str, Any] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}


def connect_duckdb(database: str = ":memory:", *, read_only: bool = False,
                   config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with extension auto-install/auto-load off (plus any ``config``)."""
    return duckdb.connect(database, read_only=read_only,
                          config={**NO_EXTENSION_AUTOLOAD, **(config or {})})
