"""Layer 8b — parallel logins (targets that read in chunks): can the platform's extra connections log in?

The platform opens several connections at once to read a file in chunks. This layer opens the
extra ones (``--max-connections`` minus the diagnosis connection, never more) as soon as the
diagnosis login has succeeded, so their handshakes run while the SFTP session, the folder and
the files are checked on the first connection; the files layer then reads through them.

Safe: it repeats only a login that just succeeded (password or key, one attempt each), trusts only
the host key just verified, and waits for the compatibility layer's extra key exchange to end
first so the connections open at once never exceed ``--max-connections``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncssh

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from .. import fastauth  # noqa: F401  (the login shortcuts _RepeatLogin opts into)
from ..pipeline import start_client
from ..settings import SftpSettings
from ..state import ExtraLogin, SftpState

#: Seconds between the compatibility layer's last connection and these logins.
COMPAT_SETTLE = 0.15


class ParallelLoginsCheck(Check[SftpSettings, SftpState]):
    """Log in the probe's extra connections and start SFTP on each."""

    id = "sftp.parallel_logins"
    title = "Parallel logins"
    needs = ("ssh.auth",)
    after = ("ssh.compat",)
    timeout_steps = 2.0

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        st, s = ctx.state, ctx.settings
        parallel = st.parallel
        try:
            extra = s.max_connections - 1  # the diagnosis connection is the first of them
            if extra < 1 or st.auth_method not in ("password", "publickey"):
                parallel.skipped = "one connection, or a login that cannot be repeated"
                return Outcome.not_applicable(parallel.skipped)
            # The compatibility layer's connection was closed from a worker thread: give the
            # server a moment to see it go, or a MaxStartups-limited sshd could count it against
            # the logins below and drop one (a false concurrency_limited on a healthy server).
            await asyncio.sleep(COMPAT_SETTLE)
            parallel.logins = list(await asyncio.gather(*(self._login(ctx) for _ in range(extra))))
        finally:
            parallel.done.set()
        results = ["ok", *(login.result for login in parallel.logins)]
        ok = results.count("ok")
        facts: dict[str, Any] = {"connections": s.max_connections, "logged_in": ok, "results": results}
        if ok < s.max_connections:
            return Outcome.of([make_finding(
                "sftp.concurrency_limited",
                f"only {ok} of {s.max_connections} simultaneous connections could log in",
                evidence=facts, working=ok)], **facts)
        return Outcome.of(**facts)

    async def _login(self, ctx: Context[SftpSettings, SftpState]) -> ExtraLogin:
        st, s = ctx.state, ctx.settings
        assert st.session is not None and st.peer is not None and st.session.host_key is not None
        pw = s.password.get_secret_value() if s.password and st.auth_method == "password" else None
        key = st.client_key if st.auth_method == "publickey" else None
        conn = None
        try:
            conn = await asyncio.wait_for(asyncssh.connect(
                st.peer[0], st.peer[1], username=s.user,
                known_hosts=([st.session.host_key], [], []),  # the key just verified, nothing else
                password=pw, client_keys=[key] if key else None, agent_path=None,
                preferred_auth=[st.auth_method or "password"], config=None,
                client_factory=lambda: _RepeatLogin(key),
            ), ctx.step_timeout)
            # Closing needs no answer from the server: the run tears it down at its end.
            ctx.resources.push_async_callback(_close, conn)
        except BaseException as exc:
            if conn is not None:
                conn.close()
            return _failed(exc)
        try:
            sftp = await asyncio.wait_for(start_client(conn), ctx.step_timeout)
        except (asyncssh.Error, OSError, TimeoutError) as exc:
            # Logged in: whether SFTP works is the SFTP layer's question on the first connection;
            # the files layer reports this connection as one that could not read.
            conn.close()
            return ExtraLogin("ok", conn, None, f"{type(exc).__name__}: {exc}")
        return ExtraLogin("ok", conn, sftp)


class _RepeatLogin(asyncssh.SSHClient):
    """Repeats the diagnosis login with the round-trip shortcuts of ``fastauth``: the key that
    just worked goes out signed right behind "none" (a password login is asyncssh's own)."""

    sign_first = True

    def __init__(self, key: asyncssh.SSHKey | None) -> None:
        self._key = key

    def presign_key(self) -> asyncssh.SSHKey | None:
        key, self._key = self._key, None  # once
        return key

    def presigned(self) -> None:
        """Nothing to record: the diagnosis connection's auth layer has the evidence."""


def _failed(exc: BaseException) -> ExtraLogin:
    if isinstance(exc, ConnectionResetError | asyncssh.ConnectionLost | BrokenPipeError):
        return ExtraLogin(f"dropped before login ({type(exc).__name__})")
    if isinstance(exc, TimeoutError):
        return ExtraLogin("timed out")
    if isinstance(exc, asyncssh.Error | OSError):
        return ExtraLogin(f"failed: {type(exc).__name__}: {exc}")
    raise exc


async def _close(conn: asyncssh.SSHClientConnection) -> None:
    conn.close()
    with contextlib.suppress(Exception):
        await conn.wait_closed()
