"""Shared test helpers: finding system binaries (skip locally, fail under CI), free ports."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_binary(name: str, *candidates: str) -> str:
    """Path of a system binary. Missing: skip on a developer's machine, fail under CI=true."""
    for cand in (name, *candidates):
        path = shutil.which(cand) or (cand if os.path.isabs(cand) and os.access(cand, os.X_OK) else None)
        if path:
            return path
    message = f"{name} is not installed (apt-get install the package that provides it)"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def require_root(reason: str) -> None:
    """Skip (fail under CI) when not root, e.g. for network namespaces."""
    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail(f"CI=true but not root: {reason}", pytrace=False)
        pytest.skip(f"needs root: {reason}")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (bind to 0, read, close)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
