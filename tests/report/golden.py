"""Golden-file comparison; ``UPDATE_GOLDENS=1 pytest tests/report`` rewrites the files."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDENS") == "1":
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden {path}; run UPDATE_GOLDENS=1 pytest tests/report"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden (UPDATE_GOLDENS=1 to accept)"
