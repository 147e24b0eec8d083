"""Turning a fleet file's secret references into secrets, once per distinct reference.

Forty connections that name the same variable, keyring entry or prompt label read it once; a prompt
is shown once per label. A reference that cannot be resolved (variable unset, no keyring entry, no
terminal to prompt on) is not fatal for the fleet: the connections that need it get a
``config.invalid`` finding naming the reference, the others run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping

from pydantic import SecretStr

from .inventory import FleetEntry, SecretRef

Prompt = Callable[[str], str | None]


class Unresolved(str):
    """Why a reference could not be resolved (kept in place of the secret)."""


def _keyring(ref: str) -> str | Unresolved:
    service, _, user = ref.partition("/")
    try:
        import keyring

        value = keyring.get_password(service, user)
    except Exception as exc:  # a broken keyring backend is "unresolved", not a crash
        return Unresolved(f"keyring entry {ref} could not be read ({type(exc).__name__})")
    if value is None:
        return Unresolved(f"no keyring entry {ref}")
    return str(value)


def resolve_secrets(entries: Iterable[FleetEntry], *, prompt: Prompt | None,
                    environ: Mapping[str, str] | None = None) -> dict[SecretRef, SecretStr | Unresolved]:
    """Every distinct reference of ``entries`` resolved once (env, keyring, or ``prompt(label)``)."""
    env = os.environ if environ is None else environ
    refs: list[SecretRef] = []
    for entry in entries:
        for ref in entry.secrets.values():
            if ref not in refs:
                refs.append(ref)
    out: dict[SecretRef, SecretStr | Unresolved] = {}
    for ref in refs:
        if ref.kind == "env":
            value = env.get(ref.ref)
            out[ref] = SecretStr(value) if value is not None else Unresolved(
                f"environment variable {ref.ref} is not set")
        elif ref.kind == "keyring":
            found = _keyring(ref.ref)
            out[ref] = found if isinstance(found, Unresolved) else SecretStr(found)
        else:
            answer = prompt(ref.ref) if prompt is not None else None
            out[ref] = SecretStr(answer) if answer else Unresolved(
                f"prompt '{ref.ref}' could not be answered (no terminal, or left empty)")
    return out
