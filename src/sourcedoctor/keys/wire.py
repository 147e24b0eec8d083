"""Reading the SSH wire encoding (RFC 4251 strings, integers) with bounds checks on every field."""

from __future__ import annotations


class WireError(ValueError):
    """The bytes end early or a length field points past the end: damaged material."""


class WireReader:
    """Sequential reader over one byte string; every read is bounds-checked."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def take(self, n: int) -> bytes:
        if n < 0 or n > self.remaining:
            raise WireError(f"needs {n} bytes, {self.remaining} left")
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        return out

    def uint32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def string(self) -> bytes:
        return self.take(self.uint32())

    def text(self) -> str:
        try:
            return self.string().decode("ascii")
        except UnicodeDecodeError as exc:
            raise WireError("name is not ASCII") from exc

    def mpint(self) -> int:
        return int.from_bytes(self.string(), "big", signed=True)

    def rest(self) -> bytes:
        return self.take(self.remaining)


def string(value: bytes) -> bytes:
    """Encode one SSH string."""
    return len(value).to_bytes(4, "big") + value


def mpint(value: int) -> bytes:
    """Encode one SSH mpint (non-negative)."""
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b""
    return string(raw)
