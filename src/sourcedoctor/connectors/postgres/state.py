"""What the PostgreSQL checks learn and open, shared along the plan (one login serves every layer)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...sources.rows import Column, RowSample
    from .source import PostgresSource
    from .wire import AuthProbe


@dataclass
class PostgresState:
    """Mutable per-run record. ``addresses``/``sock``/``peer``/``tls`` are the shared layers'."""

    addresses: list[str] = field(default_factory=list)
    sock: socket.socket | None = None
    peer: tuple[str, int] | None = None
    tls: dict[str, Any] = field(default_factory=dict)
    #: The server's answer to SSLRequest: "S" (TLS offered), "N" (not), "E" (a pre-7.0 error).
    ssl_answer: str | None = None
    #: Whether the login uses TLS (decided by the TLS negotiation layer).
    use_tls: bool = False
    probe: AuthProbe | None = None
    #: asyncpg connection (closed by the run's exit stack).
    conn: Any = None
    #: SQLSTATE and message of a login failure the auth layer let through (3D000 → database layer).
    login_error: tuple[str, str] | None = None
    server_version: str | None = None
    product: str | None = None
    source: PostgresSource | None = None
    #: The relation the table layer resolved: (schema, name, oid, kind).
    relation: tuple[str, str, int, str] | None = None
    columns: list[Column] = field(default_factory=list)
    sample: RowSample | None = None
