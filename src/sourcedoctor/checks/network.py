"""The small protocols the shared network layers are typed on (never one connector's settings).

Any connector whose settings name a host, a port and optionally a resolver, and whose state keeps
the resolved addresses and the connected socket, gets DNS and TCP diagnosis for free.
"""

from __future__ import annotations

import socket
from typing import Protocol


class NetworkSettings(Protocol):
    """Where the server is: what the DNS and TCP layers read from a connector's settings."""

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def resolver(self) -> str | None: ...

    @property
    def is_ip_literal(self) -> bool: ...


class NetworkState(Protocol):
    """What the DNS and TCP layers leave for the layers above them."""

    addresses: list[str]
    sock: socket.socket | None
    peer: tuple[str, int] | None
