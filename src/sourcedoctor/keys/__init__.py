"""Private-key forensics: recognise, normalise, load and convert key material users really have.

``inspect_key`` is the entry point (the ``key inspect`` command and the SSH diagnosis's key layer
both call it); ``read_key_source`` reads a file or standard input safely; ``emit_key`` converts.
"""

from __future__ import annotations

from .emit import EMIT_FORMS, EmitError, emit_key
from .inspect import inspect_key
from .normalize import MAX_INPUT
from .read import KeySourceError, read_key_source
from .report import KeyReport

__all__ = [
    "EMIT_FORMS",
    "MAX_INPUT",
    "EmitError",
    "KeyReport",
    "KeySourceError",
    "emit_key",
    "inspect_key",
    "read_key_source",
]
