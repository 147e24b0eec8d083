"""Errors the lake raises; each message says what to do next."""

from __future__ import annotations


class LakeError(Exception):
    """A lake operation could not be done. ``field`` names the input at fault (or ``lake``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class LakeBusy(LakeError):
    """Another process holds the lake file's write lock (DuckDB allows one writer process)."""

    def __init__(self, path: str) -> None:
        super().__init__(
            "lake",
            f"lake is busy (another sourcedoctor is writing {path}); try again when it finishes",
        )
        self.path = path
