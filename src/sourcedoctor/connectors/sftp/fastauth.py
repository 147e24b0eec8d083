"""Fewer round trips to log in with a key: sign at once, and send the key right behind ``none``.

asyncssh, like OpenSSH, logs in with a key in three sequential round trips after the service
request: ``none`` (to learn the allowed methods), a query "would you take this key?", then the
signed request. Far from the server each costs a round trip. RFC 4252 allows both shortcuts:

- section 7: the client may send the signature directly, without asking first (PuTTY, paramiko
  and most libraries do); the server answers it exactly as it answers the query: success, or a
  failure with the methods still allowed;
- section 5: the client may send several requests without waiting for the answers, which come in
  order. So the signed key request goes out right behind ``none``: the first answer still tells the
  methods allowed (the auth layer's evidence), the second is the key's verdict.

Each credential is still offered at most once. Only for connections whose client object opts in
(``sign_first``; ``presign_key`` for the pipelining; ``login_gate`` to hold the login back until
the client knows what to send); any other asyncssh user in the process keeps the library's
behaviour. asyncssh has no public hook for auth methods, so its method registry (a
private dict) gets these two classes; their fallbacks are asyncssh's own code.
"""

from __future__ import annotations

from typing import Any

import asyncssh
from asyncssh.auth import _client_auth_handlers, _ClientNullAuth, _ClientPublicKeyAuth
from asyncssh.packet import Boolean, String

#: The signed key request sent behind ``none`` and not answered yet, per connection.
_PRESIGNED = "_sd_presigned"
#: Set when the server's answer to ``none`` did not list publickey although the key was sent.
_NOT_LISTED = "_sd_presigned_not_listed"


class SignedFirstPublicKeyAuth(_ClientPublicKeyAuth):
    """Public key auth without the query: the signed request at once, or (when it was already sent
    behind ``none``) only its answer to wait for."""

    async def _start(self) -> None:
        conn: Any = self._conn
        if not getattr(conn._owner, "sign_first", False):
            await super()._start()
            return
        presigned = getattr(conn, _PRESIGNED, None)
        if presigned is not None and getattr(conn, _NOT_LISTED, False):
            # Only here to read the answer (see auth_failed): the client records the step
            # against the list the server really sent.
            conn._auth_methods.remove(b"publickey")
        self._keypair = await conn.public_key_auth_requested()  # the client records the step
        if presigned is not None:
            setattr(conn, _PRESIGNED, None)
            self._keypair = presigned  # sent already: the next answer is its verdict
            return
        if self._keypair is None:
            conn.try_next_auth(next_method=True)
            return
        await self._send_signed_request()


class PipelinedNullAuth(_ClientNullAuth):
    """``none``, then at once the signed key request when the client has a key to offer."""

    async def _start(self) -> None:
        conn: Any = self._conn
        owner = conn._owner
        # A client may hold its login back (``login_gate``): the key exchange is done, the user
        # name not yet sent. False closes the connection before any login attempt.
        gate = getattr(owner, "login_gate", None)
        if gate is not None and not await gate():
            conn.close()
            return
        await super()._start()
        presign = getattr(owner, "presign_key", None)
        key = presign() if presign is not None and getattr(owner, "sign_first", False) else None
        if key is None:
            return
        keypair = next(iter(asyncssh.load_keypairs(key)), None)
        # The signature algorithm follows the server's server-sig-algs (RSA: SHA-2), which
        # arrived with the key exchange, before the service was accepted.
        if keypair is None or not conn._choose_signature_alg(keypair):
            return  # the ordinary path decides (and reports) what to do with this key
        owner.presigned()
        setattr(conn, _PRESIGNED, keypair)
        await conn.send_userauth_request(
            b"publickey", Boolean(True), String(keypair.algorithm), String(keypair.public_data),
            key=keypair, trivial=False)

    def auth_failed(self) -> None:
        # The answer to the key request is still to come: whatever the server allows, the
        # public key handler takes it, so it is never read as the answer to a later method.
        conn: Any = self._conn
        if getattr(conn, _PRESIGNED, None) is not None and b"publickey" not in conn._auth_methods:
            conn._auth_methods.insert(0, b"publickey")
            setattr(conn, _NOT_LISTED, True)


def install() -> None:
    """Put the two handlers in asyncssh's registry (idempotent)."""
    _client_auth_handlers[b"publickey"] = SignedFirstPublicKeyAuth
    _client_auth_handlers[b"none"] = PipelinedNullAuth


install()
