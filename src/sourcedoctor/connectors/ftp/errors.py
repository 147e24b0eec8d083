"""The one exception of an FTP exchange (no ftplib import: checks import it at module level)."""

from __future__ import annotations


class FtpError(Exception):
    """What an FTP exchange ended with: a reply code and text, or how the connection failed.

    ``kind``: ``reply`` (the server answered ``code``), ``protocol`` (a reply broke the protocol
    or a bound), ``connection`` (closed, reset, timed out), ``tls`` (the handshake failed)."""

    def __init__(self, kind: str, text: str, code: int | None = None) -> None:
        super().__init__(f"{code} {text}" if code else text)
        self.kind = kind
        self.code = code
        self.text = text[:2000]
