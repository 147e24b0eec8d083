"""Engine parts the app uses but that may be missing from a build: looked up lazily, by name.

The app asks here instead of importing them at the top, so a missing part shows as a clear
"not available yet" line in the screen that needs it rather than as an import error at start.
"""

from __future__ import annotations

import asyncio
import importlib
from types import ModuleType
from typing import Any


class PartMissing(Exception):
    """An engine part the screen needs is not in this build."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not available yet in this build of sourcedoctor")
        self.what = what


def engine_part(module: str, name: str, what: str, *fallbacks: str) -> Any:
    """``module.name`` from the engine, or :class:`PartMissing` naming ``what`` for the user.

    ``fallbacks`` are submodules tried in order when the package does not export ``name`` yet.
    """
    for where in (module, *fallbacks):
        try:
            return _lookup(where, name, what)
        except PartMissing:
            continue
    raise PartMissing(what)


def _lookup(module: str, name: str, what: str) -> Any:
    try:
        mod = importlib.import_module(f"sourcedoctor.{module}")
    except ImportError as exc:
        # Only a missing *engine* module means "not built yet"; anything else is a real bug.
        if exc.name is not None and not exc.name.startswith("sourcedoctor"):
            raise
        raise PartMissing(what) from None
    try:
        return getattr(mod, name)
    except AttributeError:
        raise PartMissing(what) from None


def has_part(module: str, name: str) -> bool:
    """Whether ``module.name`` exists in this build."""
    try:
        engine_part(module, name, name)
    except PartMissing:
        return False
    return True


#: Engine modules the screens need; importing them takes a second or more on a busy machine.
HEAVY_MODULES = ("api", "preview", "lake", "keys")


async def engine_module(name: str) -> ModuleType:
    """Import ``sourcedoctor.<name>`` in a thread, so a first import never freezes the UI."""
    return await asyncio.to_thread(importlib.import_module, f"sourcedoctor.{name}")


def warm_up() -> None:
    """Import the heavy engine modules (call from a thread worker at start)."""
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(f"sourcedoctor.{name}")
        except ImportError:  # a part not built yet: the screen that needs it says so
            continue
