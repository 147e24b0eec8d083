"""Fixtures for the app's tests: the real demo SFTP server, a TCP tarpit, a private profile file,
an in-memory keyring and keyring's "fail" backend."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from textual.pilot import Pilot
from textual.widgets import Input

from sourcedoctor.connectors.sftp.demo.server import DemoServer
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.profile_name import ProfileNameScreen
from sourcedoctor.tui.screens.setup import SetupScreen


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


class MemoryKeyring(KeyringBackend):
    """A keyring backend holding secrets in memory, standing in for the desktop's keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


async def save_profile(app: SourceDoctorApp, name: str) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfileNameScreen))
        app.screen.query_one(Input).value = name
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.profiles.path.exists(), what="the profile file")


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """What a server or container has: keyring's "fail" backend (also on a developer's desktop)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)
