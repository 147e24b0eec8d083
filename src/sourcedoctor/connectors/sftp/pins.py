"""Pinned host-key fingerprints: the forms we accept, parsed once where the user types them.

A pin is a hash of the key, so it does not say which key type it belongs to; learning that is the
transport layer's job (see ``checks/ssh_transport.py``). This module only reads and normalises the
text, and stays free of asyncssh so that validating settings costs nothing at start-up.
"""

from __future__ import annotations

import re

#: What ``ssh-keygen -lf`` prints: 43 characters of unpadded base64 (padding tolerated).
_SHA256 = re.compile(r"^(?:SHA256:)?([A-Za-z0-9+/]{43})=?$", re.IGNORECASE)
#: What ``ssh-keygen -E md5 -lf`` prints (and OpenSSH before 6.8 printed without the prefix).
_MD5 = re.compile(r"^(?:MD5:)?((?:[0-9a-f]{2}:){15}[0-9a-f]{2})$", re.IGNORECASE)

ACCEPTED_FORMS = "SHA256:<43 base64 chars> or MD5:<16 hex pairs> as ssh-keygen -lf prints, comma-separated"


def _one(text: str) -> str:
    sha = _SHA256.match(text)
    # The prefix is case-insensitive, the base64 body is not: keep the body as typed.
    if sha and (text.upper().startswith("SHA256:") or ":" not in text):
        return f"SHA256:{sha.group(1)}"
    md5 = _MD5.match(text)
    if md5:
        return f"MD5:{md5.group(1).lower()}"
    shown = text if len(text) <= 60 else text[:57] + "..."
    raise ValueError(f"{shown!r} is not a host key fingerprint; give {ACCEPTED_FORMS}")


def parse_pins(text: str) -> tuple[str, ...]:
    """Split and normalise pinned fingerprints; raise ValueError naming the accepted forms.

    Commas or whitespace separate several pins (one per host key type of the server).
    """
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts:
        raise ValueError(f"is empty; give {ACCEPTED_FORMS}")
    pins: list[str] = []
    for part in parts:
        pin = _one(part)
        if pin not in pins:
            pins.append(pin)
    return tuple(pins)
