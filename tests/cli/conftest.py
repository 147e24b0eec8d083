"""The embedded SFTP server in a background thread, for CLI subprocess tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from sourcedoctor.connectors.sftp.demo.server import DemoServer, ServerOptions
from tests.fixtures.embedded import ThreadedServer


@pytest.fixture
def demo_server() -> Iterator[Callable[..., DemoServer]]:
    """``demo_server(options=..., fault=...)`` → a started DemoServer (stopped at teardown)."""
    started: list[ThreadedServer] = []

    def start(options: ServerOptions | None = None, fault: str | None = None) -> DemoServer:
        threaded = ThreadedServer(DemoServer(fault, options=options))
        started.append(threaded)
        return threaded.start()

    yield start
    for threaded in started:
        threaded.stop()
