"""Sample, sniff and preview: what is in the files, read without downloading them.

Public entry points (see docs/preview.md): :func:`sample_file`, :func:`sample_bytes`,
:func:`naming_findings`, :func:`folder_consistency`, :func:`preview_path`.
"""

from .consistency import folder_consistency
from .folder import preview_path
from .model import Column, Dialect, PreviewResult, RowProblem, SampleResult
from .naming import naming_findings
from .sample import sample_bytes, sample_file

__all__ = ["Column", "Dialect", "PreviewResult", "RowProblem", "SampleResult",
           "folder_consistency", "naming_findings", "preview_path", "sample_bytes",
           "sample_file"]
