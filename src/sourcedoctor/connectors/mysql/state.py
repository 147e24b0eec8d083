"""What the MySQL checks learn and open, shared along the plan (one login serves every layer)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...sources.rows import Column, RowSample
    from .client import MysqlSession
    from .source import MysqlSource
    from .wire import Greeting


@dataclass
class MysqlState:
    """Mutable per-run record. Checks write what they learned; later checks read it.

    ``addresses``/``sock``/``peer``/``tls`` are what the shared DNS, TCP and TLS layers use.
    """

    addresses: list[str] = field(default_factory=list)
    sock: socket.socket | None = None
    peer: tuple[str, int] | None = None
    tls: dict[str, Any] = field(default_factory=dict)
    #: The server's initial handshake packet (protocol, product, capabilities, auth plugin).
    greeting: Greeting | None = None
    #: True once the TCP socket has carried more than the greeting (it cannot start TLS then).
    sock_used: bool = False
    #: Whether the login goes over TLS (sslMode against what the server offers).
    use_tls: bool = False
    session: MysqlSession | None = None
    #: ``'user'@'host'`` as the server matched the login (CURRENT_USER()).
    account: str | None = None
    databases: list[str] = field(default_factory=list)
    source: MysqlSource | None = None
    #: (database, table) that exists and was read.
    relation: tuple[str, str] | None = None
    columns: list[Column] = field(default_factory=list)
    sample: RowSample | None = None
