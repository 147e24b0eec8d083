"""How many connections a fleet run may have open, overall and per server.

A fleet sweep must never look like an attack to the servers it checks (fail2ban, ``MaxStartups``):
connections to one server share a budget. One diagnosis itself may open more than one connection:
an SFTP run holds its own connection (or, for a chunked-read target, its parallel probe's) and asks
for one more unit for the few hundred milliseconds of paramiko's key exchange; any other
connector's run takes its measured peak for the whole run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def sftp_weight(max_connections: int, chunked_reads: bool) -> int:
    """The units one SFTP diagnosis holds for its whole run: its own connection, or — for a
    chunked-read target — the ``max_connections`` connections of its parallel-read probe.

    The compatibility layer's paramiko connection (open for a fraction of a second beside the run's
    own) is not reserved for the whole run: it asks for one more unit when it opens
    (:meth:`WeightedLimit.acquire_extra`). A chunked-read run's reservation already covers it (the
    probe starts after the paramiko exchange closed), and with ``max_connections`` 1 no paramiko
    connection is opened at all.
    """
    return max(1, max_connections if chunked_reads else 1)


def needs_extra(max_connections: int, weight: int) -> bool:
    """Whether a run of this weight must ask for a unit for its paramiko connection."""
    return max_connections >= 2 and weight < 2


#: The peak of one diagnosis by any other connector, as its server counts it. Such a run opens
#: its connections one after another (an FTP run also holds a data connection beside its control
#: connection), but the server still holds a connection we closed while the next one arrives:
#: counted at the server's door, a PostgreSQL run reaches 3 for under a millisecond (its login
#: probe, its session and the database check's), a MariaDB run 2 (tests/fleet/test_fleet_connectors.py).
#: Taking 3 from the server's budget keeps a database server at ``--per-host`` whenever the budget
#: is at least 3; below that, one run at a time.
OTHER_CONNECTOR_PEAK = 3

#: How long a server's budget stays taken after a run closed its connections. A connection we
#: closed is still open at the server until it has read our FIN (on a busy server, a while); the
#: next run must not overlap the last one's closing connections.
CLOSE_LINGER = 0.25


class WeightedLimit:
    """One server's budget: runs take ``weight`` units for their whole run (:meth:`try_take`),
    and may ask for one more unit while they run (:meth:`acquire_extra`)."""

    def __init__(self, capacity: int, *, linger: float = CLOSE_LINGER) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.linger = linger
        self.in_use = 0
        #: The largest ``in_use`` ever seen (what the server saw at most, from our side).
        self.high_water = 0
        #: Runs holding units, and how many of them wait for an extra unit right now.
        self.holders = 0
        self.extra_waiting = 0
        self._changed = asyncio.Condition()
        self._releases: set[asyncio.Task[None]] = set()
        #: Called after units went back (the fleet's dispatcher wakes up on it).
        self.on_release: list[Callable[[], None]] = []

    def _take(self, weight: int) -> None:
        self.in_use += weight
        self.high_water = max(self.high_water, self.in_use)

    def try_take(self, weight: int, spare: int = 0) -> int:
        """Take ``weight`` units for a run now if they fit with ``spare`` more left free for the
        run's extra connection (one run alone always fits): the units taken, or 0 when the server
        has no room. Runs share the spare unit — their extra connections last a moment each —
        so a budget of 3 runs two SFTP diagnoses side by side and every paramiko exchange still
        gets its unit; a budget of 2 runs one at a time."""
        weight = min(max(weight, 1), self.capacity)
        spare = min(spare, self.capacity - weight)
        if self.in_use + weight + spare > self.capacity:
            return 0
        self._take(weight)
        self.holders += 1
        return weight

    def release(self, weight: int, *, linger: bool = True, holder: bool = True) -> None:
        """Give ``weight`` units back after :attr:`linger` (a closed connection is still open at
        the server until it read our FIN), or at once with ``linger=False``."""
        if holder:
            self.holders -= 1  # a run that ended waits for nothing: counted out at once

        async def later() -> None:
            try:
                if linger:
                    await asyncio.sleep(self.linger)
            finally:  # cancelled while lingering: the units still go back
                self.in_use -= weight
                async with self._changed:
                    self._changed.notify_all()
                for callback in self.on_release:
                    callback()

        task = asyncio.get_running_loop().create_task(later())
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def acquire_extra(self) -> bool:
        """One more unit for a running holder: True once it fits; False when every run holding
        this server's budget is waiting for an extra unit too (they would wait for each other)."""
        async with self._changed:
            self.extra_waiting += 1
            try:
                while True:
                    if self.in_use + 1 <= self.capacity:
                        self._take(1)
                        return True
                    if self.extra_waiting >= self.holders:
                        return False
                    await self._changed.wait()
            finally:
                self.extra_waiting -= 1

    def release_extra(self) -> None:
        self.release(1, holder=False)

    async def drain(self) -> None:
        """Wait for the lingering releases (the sweep ends with every unit back)."""
        while self._releases:
            await asyncio.gather(*self._releases, return_exceptions=True)


class RunGate:
    """The :class:`sourcedoctor.connbudget.ExtraGate` of one run: its paramiko connection takes a
    unit of the server's budget unless the run's own reservation already covers it."""

    def __init__(self, limit: WeightedLimit, covered: bool) -> None:
        self.limit = limit
        self.covered = covered

    async def acquire(self) -> bool:
        if self.covered:
            return True
        return await self.limit.acquire_extra()

    def release(self) -> None:
        if not self.covered:
            self.limit.release_extra()


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

    def servers(self) -> list[str]:
        return list(self._limits)

    def high_water(self) -> dict[str, int]:
        return {server: limit.high_water for server, limit in self._limits.items()}
