"""Sample, sniff and preview: what is in the files, read without downloading them.

Public entry points (see docs/preview.md): :func:`sample_file`, :func:`sample_bytes`,
:func:`naming_findings`, :func:`folder_consistency`, :func:`preview_path`.

The sniffers pull in DuckDB and charset-normalizer; they are imported on first use so that a
diagnosis that stops at the network layers does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .consistency import folder_consistency
from .model import Column, Dialect, PreviewResult, RowProblem, SampleResult
from .naming import naming_findings

if TYPE_CHECKING:
    from .folder import preview_path
    from .sample import sample_bytes, sample_file

_LAZY = {"preview_path": ".folder", "sample_bytes": ".sample", "sample_file": ".sample"}

__all__ = ["Column", "Dialect", "PreviewResult", "RowProblem", "SampleResult",
           "folder_consistency", "naming_findings", "preview_path", "sample_bytes",
           "sample_file"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
