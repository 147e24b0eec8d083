"""A caller's budget for the extra connections one run opens beside its main one.

A check that opens a second connection to the server while the run's own connection is open (the
SFTP compatibility layer's paramiko key exchange) asks :func:`extra_connection` first. Outside a
fleet nobody set a budget and the answer is always yes. Inside a fleet sweep the server's
connection budget is shared by several runs (:mod:`sourcedoctor.fleet.limits`): the connection
waits until the budget has room, or is refused when every run holding the server's budget is
itself waiting (they would wait for each other forever); the check then falls back to what it can
say without the connection.

No connector or engine module is imported here: the fleet sets :data:`EXTRA` around one run, and
the run's check tasks inherit it (asyncio copies the context into each task it creates).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Protocol


class ExtraGate(Protocol):
    """What a budget offers one run: take one more connection (True) or refuse (False)."""

    async def acquire(self) -> bool: ...

    def release(self) -> None: ...


#: The budget of the run in progress (None: no budget, every extra connection is allowed).
EXTRA: ContextVar[ExtraGate | None] = ContextVar("extra_connections", default=None)


@asynccontextmanager
async def extra_connection(timeout: float) -> AsyncIterator[bool]:
    """Yield True when one more connection to the server may be opened now (given back on exit),
    False when the budget refused it or had no room within ``timeout`` seconds."""
    gate = EXTRA.get()
    if gate is None:
        yield True
        return
    try:
        granted = await asyncio.wait_for(gate.acquire(), timeout)
    except TimeoutError:
        granted = False
    try:
        yield granted
    finally:
        if granted:
            gate.release()
