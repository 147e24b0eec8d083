"""How many connections a fleet run may have open, overall and per server.

A fleet sweep must never look like an attack to the servers it checks (fail2ban, ``MaxStartups``):
connections to one server share a budget. One diagnosis itself opens more than one connection at
its peak — the diagnosis connection, paramiko's key-exchange-only connection (the compatibility
matrix) and, for a chunked-read target, the parallel probe — so each run asks the server's budget
for its *peak*, not for one slot.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


def peak_connections(max_connections: int, chunked_reads: bool) -> int:
    """The most connections one diagnosis has open to its server at the same time.

    With ``max_connections`` 1 the compatibility layer computes paramiko's row instead of opening a
    second connection, so a server that allows one connection gets one.
    """
    base = 2 if max_connections >= 2 else 1
    return max(base, max_connections if chunked_reads else 1)


#: How long a server's budget stays taken after a run closed its connections. A connection we
#: closed is still open at the server until it has read our FIN (on a busy server, a while); the
#: next run must not overlap the last one's closing connections.
CLOSE_LINGER = 0.25


class WeightedLimit:
    """A semaphore whose holders take ``weight`` units of ``capacity`` (first come, first served)."""

    def __init__(self, capacity: int, *, linger: float = CLOSE_LINGER) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.linger = linger
        self.in_use = 0
        #: The largest ``in_use`` ever seen (what the server saw at most, from our side).
        self.high_water = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def hold(self, weight: int) -> AsyncIterator[None]:
        weight = min(max(weight, 1), self.capacity)  # one run alone always fits
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_use + weight <= self.capacity)
            self.in_use += weight
            self.high_water = max(self.high_water, self.in_use)
        try:
            yield
        finally:
            try:
                await asyncio.sleep(self.linger)
            finally:  # cancelled while lingering: the units still go back
                async with self._changed:
                    self.in_use -= weight
                    self._changed.notify_all()


class ServerLimits:
    """One :class:`WeightedLimit` per server (``host:port`` as written in the URL, lower-cased)."""

    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self._limits: dict[str, WeightedLimit] = {}
        self._budget: dict[str, int] = {}
        self._peak: dict[str, int] = {}

    def configure(self, server: str, max_connections: int, peak: int) -> None:
        """Register one connection to ``server``; the server's budget never exceeds ``per_host`` or
        any of its connections' ``max_connections`` — but always fits one run's own peak."""
        self._budget[server] = min(self._budget.get(server, self.per_host), max_connections)
        self._peak[server] = max(self._peak.get(server, 1), peak)
        capacity = max(self._budget[server], self._peak[server])
        if server in self._limits:
            self._limits[server].capacity = capacity
        else:
            self._limits[server] = WeightedLimit(capacity)

    def for_server(self, server: str) -> WeightedLimit:
        return self._limits[server]

    def high_water(self) -> dict[str, int]:
        return {server: limit.high_water for server, limit in self._limits.items()}
