"""What the fleet tests share: the real ``sourcedoctor`` program, run as a user would."""

from __future__ import annotations

import os
import subprocess


def run(*args: str, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``sourcedoctor ARGS`` without colour, 120 columns wide, stdin closed (no prompt can wait)."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120", **(env or {})}
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout, check=False, stdin=subprocess.DEVNULL)
