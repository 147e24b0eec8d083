"""One SSH connection, observed layer by layer.

The banner check has already connected TCP and read the server's identification. ``SshSession`` hands
that socket to asyncssh through a local socket pair and relays the bytes, tapping the clear-text part
(identification and KEXINIT of both sides). A client object records what asyncssh asks it for (host
key validation, each auth method), so the transport, host-key and auth checks can each wait for their
own milestone on the same single connection and report it separately.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncssh

from ...transcript import Transcript
from . import fastauth  # noqa: F401  (registers the login shortcuts our client opts into)
from .hostkeys import HostKeyPolicy, HostKeySeen, HostKeyVerdict
from .wire import StreamTap

CLIENT_VERSION = "sourcedoctor"
#: Auth methods we ask asyncssh to consider, in order: every standard one, so the recorded list of
#: allowed methods is the server's full list (asyncssh filters the list by this preference).
PREFERRED_AUTH = ("publickey", "keyboard-interactive", "password", "hostbased")


def client_ident() -> bytes:
    return f"SSH-2.0-{CLIENT_VERSION}\r\n".encode()


@dataclass
class AuthStep:
    """One callback asyncssh made: which method it asked for, what the server allowed then, what
    we did (offered a credential or declined)."""

    method: str
    allowed: tuple[str, ...]
    offered: bool


@dataclass
class Credentials:
    """What the auth layer may use, each at most once."""

    password: str | None = None
    key: asyncssh.SSHKey | None = None
    allow_kbdint: bool = True


class RecordingClient(asyncssh.SSHClient):
    """Answers asyncssh's questions from :class:`Credentials` and records every one of them."""

    #: Send the key's signature without asking first, right behind "none" (see fastauth).
    sign_first = True

    def __init__(self, session: SshSession) -> None:
        self.s = session
        self._conn: asyncssh.SSHClientConnection | None = None
        self._used: set[str] = set()
        #: The key went out signed behind "none"; its step is recorded when the answer is read.
        self._presigned = False

    def connection_made(self, conn: asyncssh.SSHClientConnection) -> None:
        self._conn = conn

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        verdict = self.s.policy.judge(key)
        self.s.host_key = key
        self.s.host_key_verdict = verdict
        self.s.transcript.add("hostkey", f"server host key {verdict.fingerprint} → {verdict.status}")
        return verdict.status != "mismatch"

    def auth_banner_received(self, msg: str, lang: str) -> None:
        self.s.auth_banner = msg[:4000]
        self.s.transcript.add("auth", f"pre-auth banner ({len(msg)} characters)")

    def _allowed(self) -> tuple[str, ...]:
        if self._conn is None:  # pragma: no cover - asyncssh always calls connection_made first
            return ()
        return tuple(self._conn.get_server_auth_methods())

    def _step(self, method: str, offered: bool) -> None:
        allowed = self._allowed()
        self.s.auth_steps.append(AuthStep(method, allowed, offered))
        what = "offering credential" if offered else "declining"
        self.s.transcript.add("auth", f"server allows {','.join(allowed)}; {method}: {what}")

    def presign_key(self) -> asyncssh.SSHKey | None:
        """The key to send signed right behind "none", if there is one not offered yet.

        Only when the key is the only credential: the request goes out before the server said
        whether it takes keys at all, and on a server that does not, it counts as a failed
        attempt (MaxAuthTries, fail2ban) that must not come before the password's chance.
        """
        key = self.s.creds.key
        if key is None or self.s.creds.password is not None or "publickey" in self._used:
            return None
        return key

    def presigned(self) -> None:
        """The key was sent (once: the method counts as used)."""
        self._used.add("publickey")
        self._presigned = True

    def public_key_auth_requested(self) -> asyncssh.SSHKey | None:
        key = self.s.creds.key
        if self._presigned:  # the request is out already: record it with what the server allows
            self._presigned = False
            self._step("publickey", True)
            return key
        offer = key is not None and "publickey" not in self._used
        self._step("publickey", offer)
        if not offer:
            return None
        self._used.add("publickey")
        return key

    def password_auth_requested(self) -> str | None:
        pw = self.s.creds.password
        offer = pw is not None and "password" not in self._used
        self._step("password", offer)
        if not offer:
            return None
        self._used.add("password")
        return pw

    def kbdint_auth_requested(self) -> str | None:
        # Prefer the plain password method when the server has it; keyboard-interactive only when
        # it is the only way a password can be used and the target platform can use it too.
        allowed = self._allowed()
        offer = (
            self.s.creds.password is not None
            and self.s.creds.allow_kbdint
            and "password" not in allowed
            and "keyboard-interactive" not in self._used
        )
        self._step("keyboard-interactive", offer)
        if not offer:
            return None
        self._used.add("keyboard-interactive")
        return ""

    def kbdint_challenge_received(
        self, name: str, instructions: str, lang: str, prompts: Sequence[tuple[str, bool]]
    ) -> Sequence[str] | None:
        if not prompts:
            return []
        if self.s.kbdint_answered or len(prompts) != 1 or prompts[0][1]:
            return None  # a second round or a non-password prompt: never guess
        self.s.kbdint_answered = True
        return [self.s.creds.password or ""]

    def auth_completed(self) -> None:
        self.s.auth_ok = True


@dataclass
class SshSession:
    """The live SSH connection and everything observed while it was set up."""

    sock: socket.socket
    #: Bytes the banner check already read from the server (identification and maybe more).
    preread: bytes
    host: str
    port: int
    user: str
    creds: Credentials
    policy: HostKeyPolicy
    transcript: Transcript
    client_kex_algs: Sequence[str] = ()
    #: Host-key algorithms to put first (a key type learnt for a pin); see HostKeyPolicy.
    prefer_host_key_algs: Sequence[str] = ()
    server_tap: StreamTap = field(default_factory=StreamTap)
    client_tap: StreamTap = field(default_factory=StreamTap)
    host_key: asyncssh.SSHKey | None = None
    host_key_verdict: HostKeyVerdict | None = None
    #: Every host key type asked for on the way to this session (this one last), when a pin's
    #: type had to be learnt by further key-exchange-only connections.
    host_keys_seen: list[HostKeySeen] = field(default_factory=list)
    auth_steps: list[AuthStep] = field(default_factory=list)
    auth_banner: str = ""
    auth_ok: bool = False
    kbdint_answered: bool = False
    connect_task: asyncio.Task[asyncssh.SSHClientConnection] | None = None
    kex_done: asyncio.Event = field(default_factory=asyncio.Event)
    _pumps: list[asyncio.Task[None]] = field(default_factory=list)
    _local: socket.socket | None = None

    def start(self) -> None:
        """Start the relay and asyncssh's connect; milestones arrive as the peer answers."""
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        theirs.setblocking(False)
        self._local = ours
        self.server_tap.feed(self.preread)
        self._pumps = [
            asyncio.create_task(self._downstream(ours), name="ssh-relay-down"),
            asyncio.create_task(self._upstream(ours), name="ssh-relay-up"),
        ]
        options: dict[str, Any] = {}
        if self.client_kex_algs:
            options["kex_algs"] = list(self.client_kex_algs)
        options["server_host_key_algs"] = self.policy.preferred_algorithms(self.prefer_host_key_algs)
        self.connect_task = asyncio.create_task(self._connect(theirs, options), name="ssh-connect")

    async def _connect(self, theirs: socket.socket, options: dict[str, Any]) -> asyncssh.SSHClientConnection:
        return await asyncssh.connect(
                sock=theirs,
                host=self.host,
                port=self.port,
                username=self.user,
                # An empty trust list makes asyncssh ask validate_host_public_key for every key,
                # so the decision (and the evidence) is ours.
                known_hosts=([], [], []),
                client_factory=lambda: RecordingClient(self),
                client_version=CLIENT_VERSION,
                preferred_auth=list(PREFERRED_AUTH),
                client_keys=None,
                agent_path=None,
                password=None,
                ignore_encrypted=True,
                config=None,
                login_timeout=3600,  # our checks own the timeouts
                keepalive_interval=0,
                **options,
            )

    async def _downstream(self, local: socket.socket) -> None:
        """Server → asyncssh: replay what the banner check read, then relay, tapping."""
        loop = asyncio.get_running_loop()
        try:
            await loop.sock_sendall(local, self.preread)
            while True:
                data = await loop.sock_recv(self.sock, 65536)
                if not data:
                    break
                if not self.server_tap.newkeys:
                    self._tap_server(data)
                await loop.sock_sendall(local, data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                local.shutdown(socket.SHUT_WR)

    def _tap_server(self, data: bytes) -> None:
        had_kexinit = self.server_tap.kexinit is not None
        self.server_tap.feed(data)
        if not had_kexinit and self.server_tap.kexinit is not None:
            self.transcript.add("kex", f"server KEXINIT: {self.server_tap.kexinit.to_dict()}")
        if self.server_tap.newkeys:
            self.transcript.add("kex", "server NEWKEYS: key exchange complete, now encrypted")
            self.kex_done.set()

    async def _upstream(self, local: socket.socket) -> None:
        """asyncssh → server: drop asyncssh's identification line (the banner check already sent
        the identical line), then relay, tapping our own KEXINIT."""
        loop = asyncio.get_running_loop()
        ident = client_ident()
        pending = b""
        swallowed = False
        try:
            while True:
                data = await loop.sock_recv(local, 65536)
                if not data:
                    break
                if not swallowed:
                    pending += data
                    if len(pending) < len(ident):
                        continue
                    # asyncssh sends exactly client_ident() (CLIENT_VERSION is ours).
                    data = pending[len(ident) :] if pending.startswith(ident) else pending
                    swallowed = True
                    self.client_tap.feed(ident)
                if data and not self.client_tap.newkeys:
                    self.client_tap.feed(data)
                if data:
                    await loop.sock_sendall(self.sock, data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)

    async def wait_kex(self) -> None:
        """Return when the key exchange completed or the connect attempt ended (either way)."""
        assert self.connect_task is not None
        kex = asyncio.ensure_future(self.kex_done.wait())
        try:
            await asyncio.wait({kex, self.connect_task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            kex.cancel()

    async def close(self) -> None:
        if self.connect_task is not None:
            if not self.connect_task.done():
                self.connect_task.cancel()
            with contextlib.suppress(BaseException):
                conn = await self.connect_task
                conn.abort()
        for task in self._pumps:
            task.cancel()
        if self._pumps:
            await asyncio.gather(*self._pumps, return_exceptions=True)
        for s in (self._local, self.sock):
            if s is not None:
                with contextlib.suppress(OSError):
                    s.close()

    def connect_error(self) -> BaseException | None:
        """The exception asyncssh's connect ended with (None while running or on success)."""
        task = self.connect_task
        if task is None or not task.done() or task.cancelled():
            return None
        return task.exception()
