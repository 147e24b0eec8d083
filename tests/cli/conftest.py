"""An embedded SFTP server running in a background thread, for CLI subprocess tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator

import pytest

from sourcedoctor.demo.server import DemoServer, ServerOptions


class ThreadedDemo:
    """Runs a DemoServer on its own event loop in a daemon thread."""

    def __init__(self, options: ServerOptions | None = None, fault: str | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = DemoServer(fault, options=options)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> DemoServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self.server

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@pytest.fixture
def demo_server() -> Iterator[Callable[..., DemoServer]]:
    """``demo_server(options=..., fault=...)`` → a started DemoServer (stopped at teardown)."""
    started: list[ThreadedDemo] = []

    def start(options: ServerOptions | None = None, fault: str | None = None) -> DemoServer:
        t = ThreadedDemo(options, fault)
        started.append(t)
        return t.start()

    yield start
    for t in started:
        t.stop()
