"""Fixtures for the app's tests: the real demo SFTP server, a TCP tarpit, a private profile file."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from sourcedoctor.demo.server import DemoServer
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore


@pytest.fixture
async def demo_server() -> AsyncIterator[DemoServer]:
    """The embedded asyncssh SFTP server (healthy), on 127.0.0.1 and a free port."""
    async with DemoServer() as server:
        yield server


@pytest.fixture
async def tarpit() -> AsyncIterator[int]:
    """A TCP port that accepts connections and never says a word (the banner check hangs)."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # keep the socket open, send nothing

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.fixture
def profiles(tmp_path: Path) -> ProfileStore:
    """A profile file of the test's own, never the user's."""
    return ProfileStore(tmp_path / "profiles.json")


async def wait_until(pilot: Pilot[None], predicate: Callable[[], object], timeout: float = 15.0,
                     what: str = "condition") -> float:
    """Let the app run until ``predicate()`` is true; returns the seconds it took."""
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}; "
                                 f"screen is {type(pilot.app.screen).__name__}")
        await pilot.pause(0.05)
    return time.monotonic() - t0


def screen_name(app: SourceDoctorApp) -> str:
    return type(app.screen).__name__
