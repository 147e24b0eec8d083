"""Heavy engine modules, imported off the UI thread.

``api`` (asyncssh), ``preview`` and ``lake`` (duckdb), ``keys`` (cryptography) and ``report`` take
a second or more to import on a busy machine. The screens import them inside the worker or function
that uses them, so start-up stays fast; :func:`warm_up` imports them in a thread while the user
reads the first screen, and an async worker awaits :func:`engine_module` before its first import,
so the event loop never waits on one.
"""

from __future__ import annotations

import asyncio
import importlib
from types import ModuleType

#: Engine modules the screens need that are slow to import.
HEAVY_MODULES = ("api", "preview", "lake", "keys", "report")


async def engine_module(name: str) -> ModuleType:
    """Import ``sourcedoctor.<name>`` in a thread, so a first import never freezes the UI."""
    return await asyncio.to_thread(importlib.import_module, f"sourcedoctor.{name}")


def warm_up() -> None:
    """Import the heavy engine modules (call from a thread worker at start)."""
    for name in HEAVY_MODULES:
        importlib.import_module(f"sourcedoctor.{name}")
