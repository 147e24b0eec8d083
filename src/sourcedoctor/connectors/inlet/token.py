"""What a bearer token says about itself, read without verifying it (nothing is sent).

An Adobe IMS access token is a JWT whose payload carries ``created_at`` and ``expires_in`` (both in
milliseconds, as strings); other JWTs carry ``exp`` (seconds). Either gives the expiry, so an
expired token is named before any request. A token that is not a JWT is opaque: nothing to read.
The token itself never leaves this module: only the claims below do.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from dataclasses import dataclass
from typing import Any

from ... import safejson

#: Claims safe to show (no identity beyond the client and the token's kind).
SHOWN_CLAIMS = ("type", "client_id", "as", "created_at", "expires_in", "exp", "iat")


@dataclass(frozen=True)
class TokenFacts:
    """The token's shape and, for a JWT, its validity window (epoch seconds)."""

    kind: str  # "jwt" or "opaque"
    expires_at: float | None = None
    issued_at: float | None = None
    claims: dict[str, Any] | None = None
    problem: str | None = None  # a JWT-looking token whose payload does not decode


def _seconds(value: Any) -> float | None:
    """A claim as epoch seconds; IMS writes milliseconds (13 digits), JWT ``exp`` seconds."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number / 1000.0 if number > 1e11 else number


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def read_token(token: str) -> TokenFacts:
    """The facts of ``token`` (bounded: a token over 64 KiB is not read)."""
    text = token.strip()
    if text.lower().startswith("bearer "):
        text = text[7:].strip()
    parts = text.split(".")
    if len(parts) != 3 or len(text) > 65536 or not all(parts[:2]):
        return TokenFacts("opaque")
    try:
        payload = safejson.loads(_b64url(parts[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return TokenFacts("opaque", problem="three dot-separated parts, but the middle one is not "
                                            "base64url JSON")
    if not isinstance(payload, dict):
        return TokenFacts("opaque", problem="the JWT payload is not a JSON object")
    issued = _seconds(payload.get("created_at", payload.get("iat")))
    expires = _seconds(payload.get("exp"))
    lifetime = payload.get("expires_in")
    if expires is None and issued is not None and isinstance(lifetime, str | int | float):
        with contextlib.suppress(ValueError):  # milliseconds in IMS tokens: 86400000 = 24 h
            expires = issued + float(lifetime) / 1000.0
    shown = {k: payload[k] for k in SHOWN_CLAIMS
             if k in payload and isinstance(payload[k], str | int | float)}
    return TokenFacts("jwt", expires_at=expires, issued_at=issued, claims=shown)


#: How a token is given again, in fixes (the CLI option; the app's form field of that name).
TOKEN_OPTION = "--token-env VAR (in the app: the Token field)"


def has_bearer_prefix(token: str) -> bool:
    """A token pasted with its ``Bearer `` prefix (the header would read ``Bearer Bearer …``)."""
    return token.strip().lower().startswith("bearer ")
