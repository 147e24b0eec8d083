"""Layer 8b — parallel logins (targets that read in chunks): can the platform's extra connections log in?

The platform opens several connections at once to read a file in chunks. This layer opens the
extra ones (``--max-connections`` minus the diagnosis connection, never more) as soon as the host
key is verified, so their key exchanges run while the diagnosis connection logs in. Each holds its
login back, user name unsent, until that login has succeeded, then repeats it and starts SFTP while
the SFTP session, the folder and the files are checked on the first connection; the files layer
then reads through them. Far from the server this takes the extra connections off the run's
critical path.

Safe: it repeats only a login that just succeeded (password or key, one attempt each). When the
diagnosis login fails, the extra connections close before sending a user name: no login attempt
is made on them, so none counts against MaxAuthTries or in fail2ban's sshd filter. They trust only
the host key just verified, and open only after the compatibility layer's extra connection has
ended, so the connections open at once never exceed ``--max-connections``.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import asyncssh

from ....checks.base import Check, Context, Outcome, passable
from ....codes import make_finding
from .. import fastauth  # noqa: F401  (the login shortcuts _RepeatLogin opts into)
from ..pipeline import start_client
from ..settings import SftpSettings
from ..state import ExtraLogin, SftpState

#: Seconds between the end of the compatibility layer and these connections. Its paramiko
#: connection ends only once the server has closed it (see ``compat.paramiko_negotiate``): sshd
#: no longer counts it under MaxStartups by then. This is slack for the server's listener, which
#: on loopback has no round trip before the next connection arrives.
COMPAT_SETTLE = 0.02


@dataclass(frozen=True)
class _Repeat:
    """The diagnosis login that succeeded, as the extra connections repeat it."""

    method: str
    key: asyncssh.SSHKey | None = None
    password: str | None = None


class ParallelLoginsCheck(Check[SftpSettings, SftpState]):
    """Open the probe's extra connections, log them in once the diagnosis login has, start SFTP."""

    id = "sftp.parallel_logins"
    title = "Parallel logins"
    needs = ("ssh.hostkey",)
    after = ("ssh.compat",)
    # The diagnosis login's own budget (2 steps) may pass while these connections wait for it.
    timeout_steps = 4.5

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        st, s = ctx.state, ctx.settings
        parallel = st.parallel
        extra = s.max_connections - 1  # the diagnosis connection is the first of them
        gate: asyncio.Future[_Repeat | None] = asyncio.get_running_loop().create_future()
        tasks: list[asyncio.Future[ExtraLogin]] = []
        try:
            if extra < 1:
                parallel.skipped = "one connection"
                return Outcome.not_applicable(parallel.skipped)
            # Else a MaxStartups-limited sshd could still count paramiko's connection against
            # the ones below and drop one: a false concurrency_limited on a healthy server.
            await asyncio.sleep(COMPAT_SETTLE)
            def open_extras() -> list[asyncio.Future[ExtraLogin]]:
                return [asyncio.ensure_future(self._login(ctx, gate)) for _ in range(extra)]

            # Opened before the diagnosis login ends (or after it succeeded), never after it failed.
            if not ctx.has_ended("ssh.auth"):
                tasks = open_extras()
            repeat = await self._diagnosis_login(ctx)
            if isinstance(repeat, _Repeat) and not tasks:
                tasks = open_extras()
            gate.set_result(repeat if isinstance(repeat, _Repeat) else None)
            if not isinstance(repeat, _Repeat):
                for task in tasks:  # no user name was sent on them: nothing to wait for
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                parallel.skipped = repeat or "the diagnosis login failed"
                return (Outcome.blocked("ssh.auth") if repeat is None
                        else Outcome.not_applicable(repeat))
            parallel.logins = list(await asyncio.gather(*tasks))
        finally:
            if not gate.done():
                gate.set_result(None)
            for task in tasks:
                task.cancel()
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

    @staticmethod
    async def _diagnosis_login(ctx: Context[SftpSettings, SftpState]) -> _Repeat | str | None:
        """What to repeat once the auth layer has ended: the login, why it cannot be repeated,
        or None when the auth layer did not pass (this layer is then blocked by it, as any
        layer that needs a login)."""
        st, s = ctx.state, ctx.settings
        auth = await ctx.result_of("ssh.auth")  # the auth layer's own budget bounds this wait
        if auth is None or not passable(auth):
            return None
        if st.auth_method == "publickey" and st.client_key is not None:
            return _Repeat("publickey", key=st.client_key)
        if st.auth_method == "password" and s.password is not None:
            return _Repeat("password", password=s.password.get_secret_value())
        return "a login that cannot be repeated"

    async def _login(self, ctx: Context[SftpSettings, SftpState],
                     gate: asyncio.Future[_Repeat | None]) -> ExtraLogin:
        st, s = ctx.state, ctx.settings
        assert st.session is not None and st.peer is not None and st.session.host_key is not None
        client = _RepeatLogin(gate)
        connect = asyncio.ensure_future(asyncssh.connect(
            st.peer[0], st.peer[1], username=s.user,
            known_hosts=([st.session.host_key], [], []),  # the key just verified, nothing else
            password=None, client_keys=None, agent_path=None,  # the client hands out the login
            preferred_auth=["publickey", "password"], config=None,
            client_factory=lambda: client,
        ))
        try:
            conn = await _connect_in_steps(connect, client, gate, ctx.step_timeout)
        except BaseException as exc:
            connect.cancel()
            return _failed(exc)
        # Closing needs no answer from the server: the run tears it down at its end.
        ctx.resources.push_async_callback(_close, conn)
        try:
            sftp = await asyncio.wait_for(start_client(conn), ctx.step_timeout)
        except (asyncssh.Error, OSError, TimeoutError) as exc:
            # Logged in: whether SFTP works is the SFTP layer's question on the first connection;
            # the files layer reports this connection as one that could not read.
            conn.close()
            return ExtraLogin("ok", conn, None, f"{type(exc).__name__}: {exc}")
        return ExtraLogin("ok", conn, sftp)


async def _connect_in_steps(connect: asyncio.Future[asyncssh.SSHClientConnection],
                            client: _RepeatLogin, gate: asyncio.Future[_Repeat | None],
                            step: float) -> asyncssh.SSHClientConnection:
    """The connection once logged in: its key exchange within one ``step``, then the wait for the
    diagnosis login (bounded by the auth layer), then its own login within one more."""
    at_gate = asyncio.ensure_future(client.at_gate.wait())
    either: set[asyncio.Future[Any]] = {connect, at_gate}
    try:
        done, _ = await asyncio.wait(either, timeout=step,
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        at_gate.cancel()
    if not done:
        raise TimeoutError
    if connect not in done:
        await asyncio.shield(gate)
    return await asyncio.wait_for(connect, step)


class _RepeatLogin(asyncssh.SSHClient):
    """Holds the login back until the diagnosis login is known, then repeats it with the
    round-trip shortcuts of ``fastauth``: a key goes out signed right behind "none", a password
    as asyncssh sends it. Each credential at most once."""

    sign_first = True

    def __init__(self, gate: asyncio.Future[_Repeat | None]) -> None:
        self._gate = gate
        self._repeat: _Repeat | None = None
        self._sent: set[str] = set()
        #: Set when the key exchange is done and the login waits at the gate.
        self.at_gate = asyncio.Event()

    async def login_gate(self) -> bool:
        """fastauth's hook, before the user name is sent: True to log in, False to close."""
        self.at_gate.set()
        self._repeat = await asyncio.shield(self._gate)
        return self._repeat is not None

    def _credential(self, method: str) -> Any:
        repeat = self._repeat
        if repeat is None or repeat.method != method or method in self._sent:
            return None
        return repeat.key if method == "publickey" else repeat.password

    def presign_key(self) -> asyncssh.SSHKey | None:
        key: asyncssh.SSHKey | None = self._credential("publickey")
        return key

    def presigned(self) -> None:
        self._sent.add("publickey")

    def public_key_auth_requested(self) -> asyncssh.SSHKey | None:
        key: asyncssh.SSHKey | None = self._credential("publickey")
        self._sent.add("publickey")
        return key

    def password_auth_requested(self) -> str | None:
        password: str | None = self._credential("password")
        self._sent.add("password")
        return password


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
