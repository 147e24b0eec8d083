"""``json.loads`` for text from outside (a server's message, a user's file, a pasted secret).

CPython's parser recurses once per nesting level, so ``[[[[…]]]]`` 100,000 deep raises
``RecursionError`` — not a ``ValueError``, so every ``except ValueError`` around a parse let it
through as a crash. Here it is a :class:`json.JSONDecodeError` like any other malformed JSON, and
callers keep their one ``except``.
"""

from __future__ import annotations

import json
from typing import Any

#: The message a too-deep document gets (shown to the user as the parse error).
TOO_DEEP = "nested too deeply to read"


def loads(text: str | bytes | bytearray) -> Any:
    """``json.loads(text)``; nesting too deep for the parser raises :class:`json.JSONDecodeError`."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError(TOO_DEEP, text if isinstance(text, str) else "", 0) from None


_DECODER = json.JSONDecoder()


def raw_decode(text: str, pos: int = 0) -> tuple[Any, int]:
    """``JSONDecoder().raw_decode(text, pos)``, too-deep nesting a :class:`json.JSONDecodeError`
    at ``pos`` (a streaming reader reports it where the value starts)."""
    try:
        return _DECODER.raw_decode(text, pos)
    except RecursionError:
        raise json.JSONDecodeError(TOO_DEEP, text, pos) from None
