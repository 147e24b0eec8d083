"""Import asyncssh without its start-up probe spawning a compiler.

When asyncssh is imported, its post-quantum module looks for liboqs and its UMAC module for
libnettle with ``ctypes.util.find_library``. On Linux each call runs ``ldconfig -p`` and, when
the library is absent, ``gcc -Wl,-t`` and ``ld -t``: seven processes (liboqs is rarely installed)
and tens of milliseconds before sourcedoctor has done anything. :func:`install` adds an import
hook that, only while those two modules run, answers ``find_library`` by looking for
``lib<name>.so*`` in the linker's directories (``LD_LIBRARY_PATH``, ``/etc/ld.so.conf`` and the
standard ones). An installed library is still found and used; nothing else sees the change.

Importing this module installs the hook (the CLI and :mod:`sourcedoctor.api` import it before
anything that imports asyncssh).
"""

from __future__ import annotations

# Kept light: the CLI imports this first for every command, including those without asyncssh.
import importlib.machinery
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any

#: The modules whose find_library calls are answered by the quick lookup.
_TARGETS = frozenset({"asyncssh.crypto.pq", "asyncssh.crypto.umac"})
_STANDARD_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib", "/usr/local/lib64")
_lock = threading.Lock()


def _ld_so_conf_dirs(path: str = "/etc/ld.so.conf", depth: int = 0) -> Iterator[str]:
    import glob

    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line.startswith("include") and depth < 3:
            for included in sorted(glob.glob(line.split(None, 1)[1] if " " in line else "")):
                yield from _ld_so_conf_dirs(included, depth + 1)
        elif line.startswith("/"):
            yield line


def library_dirs() -> list[str]:
    """Where the dynamic linker looks, in its order (without running ldconfig)."""
    dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
    dirs += list(_ld_so_conf_dirs())
    arch = sys.implementation._multiarch if hasattr(sys.implementation, "_multiarch") else None
    for base in _STANDARD_DIRS:
        if arch:
            dirs.append(f"{base}/{arch}")
        dirs.append(base)
    seen: set[str] = set()
    return [d for d in dirs if not (d in seen or seen.add(d))]  # type: ignore[func-returns-value]


def find_library_quickly(name: str, dirs: Sequence[str] | None = None) -> str | None:
    """The path of ``lib<name>.so*`` in the linker's directories, or None; runs no process."""
    prefix = f"lib{name}.so"
    for directory in library_dirs() if dirs is None else dirs:
        try:  # a plain prefix test: glob's pattern matching doubled the cost (~2 ms)
            entries = os.listdir(directory)
        except OSError:
            continue
        found = [os.path.join(directory, e) for e in entries if e.startswith(prefix)]
        if found:
            # Like ldconfig's answer, prefer the runtime name (libx.so.8) to the bare dev link.
            return min(found, key=lambda p: (p.endswith(".so"), len(p), p))
    return None


class _QuickLookupLoader:
    """Runs the real loader with ``find_library`` answered by :func:`find_library_quickly`."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self.real.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        import ctypes.util

        with _lock:
            original = ctypes.util.find_library
            ctypes.util.find_library = find_library_quickly
            try:
                self.real.exec_module(module)
            finally:
                ctypes.util.find_library = original


class _Finder:
    """A meta-path finder that wraps the loader of the two modules above, and no other."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _TARGETS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _QuickLookupLoader(spec.loader)  # type: ignore[assignment]
        return spec


def install() -> None:
    """Add the import hook (once). Without effect when asyncssh is already imported."""
    if sys.modules.keys() >= _TARGETS or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())


install()
