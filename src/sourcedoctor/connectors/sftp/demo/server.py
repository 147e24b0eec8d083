"""An embedded SFTP server (asyncssh, in-process, loopback only) with sample data and named faults.

It serves ``sourcedoctor demo`` so a newcomer sees a real diagnosis without any external server, and
the test suite uses the same class for fine-grained faults OpenSSH cannot produce on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import shutil
import socket
import struct
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import asyncssh
from pydantic import SecretStr

from ..settings import SftpSettings

DEMO_USER = "demo"
DEMO_PASSWORD = "demo-sftp-pass"  # a demo credential; printed nowhere, like any other password
DEMO_FOLDER = "inbound"

#: Named faults a newcomer can switch on (name → what it shows).
FAULTS: dict[str, str] = {
    "wrong-password": "the password in the settings is not the server's (auth.password_rejected)",
    "missing-folder": "the folder in the settings does not exist (path.not_found)",
    "shell-noise": "the login shell prints a greeting into the SFTP stream (sftp.shell_noise)",
    "utf16-file": "the data file is UTF-16, which the platform cannot read (data.encoding)",
    "kbdint-only": "passwords only via keyboard-interactive (auth.keyboard_interactive_only, aep)",
    "empty-folder": "the folder holds no files (path.empty)",
    "legacy-kex": "the server only offers SHA-1 key exchange (ssh.kex_legacy)",
    "no-sftp": "the server refuses the sftp subsystem (sftp.subsystem_unavailable)",
}

_CUSTOMERS = (
    "id,email,first_name,last_name,country,signup_date,lifetime_value\n"
    "1,ana.silva@example.com,Ana,Silva,PT,2024-01-15,1520.50\n"
    "2,bob.jones@example.com,Bob,Jones,US,2024-02-03,310.00\n"
    "3,chen.wei@example.com,Chen,Wei,CN,2024-02-28,2200.75\n"
    "4,dana.k@example.com,Dana,Kowalski,PL,2024-03-09,0.00\n"
    "5,emil.n@example.com,Emil,Nielsen,DK,2024-04-21,845.10\n"
    "6,fatima.z@example.com,Fatima,Zahra,MA,2024-05-02,99.99\n"
)
_CUSTOMERS_JUNE = (
    "id,email,first_name,last_name,country,signup_date,lifetime_value\n"
    "7,gia.r@example.com,Gia,Rossi,IT,2024-06-01,410.00\n"
    "8,hugo.b@example.com,Hugo,Bernard,FR,2024-06-12,75.25\n"
)
_ORDERS = "".join(
    f'{{"order_id": {n}, "customer_id": {n % 6 + 1}, "sku": "SKU-{n:04d}", "qty": {n % 3 + 1}}}\n'
    for n in range(1, 21)
)


def demo_files(fault: str | None) -> dict[str, bytes]:
    """The demo data set (path inside the server's root → content)."""
    files: dict[str, bytes] = {
        f"{DEMO_FOLDER}/customers.csv": _CUSTOMERS.encode(),
        f"{DEMO_FOLDER}/customers_2024-06.csv.gz": gzip.compress(_CUSTOMERS_JUNE.encode(), mtime=0),
        "orders/orders.jsonl": _ORDERS.encode(),
        "README.txt": b"sourcedoctor demo server\n",
    }
    if fault == "utf16-file":
        files[f"{DEMO_FOLDER}/customers.csv"] = _CUSTOMERS.encode("utf-16")
        del files[f"{DEMO_FOLDER}/customers_2024-06.csv.gz"]
    if fault == "empty-folder":
        files = {"README.txt": files["README.txt"], f"{DEMO_FOLDER}/.keep": b""}
    return files


@dataclass(frozen=True)
class ServerOptions:
    """How the embedded server behaves. Defaults: a healthy password + publickey server."""

    users: Mapping[str, str] = field(default_factory=lambda: {DEMO_USER: DEMO_PASSWORD})
    #: Auth methods offered: any of "password", "publickey", "keyboard-interactive".
    auth_methods: tuple[str, ...] = ("publickey", "password")
    #: OpenSSH public key lines accepted for every user.
    authorized_keys: tuple[str, ...] = ()
    #: Require a key and then a password (partial success after the key).
    key_then_password: bool = False
    files: Mapping[str, bytes] = field(default_factory=lambda: demo_files(None))
    #: Extra empty directories to create (relative to the root).
    dirs: tuple[str, ...] = ()
    sftp: bool = True
    #: Close the session channel when the sftp subsystem is asked for, without answering the
    #: request (what the client sees of a server whose session set-up fails at that point).
    close_on_subsystem: bool = False
    #: Bytes the "login shell" prints before the SFTP stream starts.
    shell_noise: bytes = b""
    kex_algs: Sequence[str] = ()
    host_key_algs: Sequence[str] = ()
    host_key_type: str = "ssh-ed25519"
    #: Callback on each finished auth attempt (method, user, ok) — lets tests count attempts.
    on_auth: Callable[[str, str, bool], None] | None = None
    #: Text sent as a pre-auth banner message.
    auth_banner: str = ""
    #: Drop connections beyond this many at once before the banner (like sshd's MaxStartups).
    max_connections: int | None = None
    #: Serve only sequential reads (each at the offset where the previous one ended), like
    #: gateways that stream a file and cannot seek.
    no_offset_reads: bool = False
    #: Never answer SFTP realpath requests for this path (a hung server, for timeout tests).
    hang_realpath: str | None = None
    #: Never answer SFTP reads at or beyond this offset (0: no read is answered; open, stat and
    #: listing still work): a server that stalls mid-transfer, for the timeout tests.
    hang_reads_from: int | None = None


def options_for_fault(fault: str | None) -> ServerOptions:
    """Server options for one of the named demo faults."""
    if fault is not None and fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; choose one of: {', '.join(FAULTS)}")
    base = ServerOptions(files=demo_files(fault))
    if fault == "shell-noise":
        return replace(base, shell_noise=b"Welcome to ACME Corp SFTP! Unauthorised access prohibited.\n")
    if fault == "kbdint-only":
        return replace(base, auth_methods=("publickey", "keyboard-interactive"))
    if fault == "legacy-kex":
        return replace(base, kex_algs=("diffie-hellman-group14-sha1",))
    if fault == "no-sftp":
        return replace(base, sftp=False)
    return base


class _DemoSFTPServer(asyncssh.SFTPServer):
    """The stock SFTP server, with the misbehaviours tests ask for."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], opts: ServerOptions,
                 root: bytes) -> None:
        super().__init__(chan, chroot=root)
        self.opts = opts
        self._next_offset: dict[int, int] = {}

    async def realpath(self, path: bytes) -> bytes:
        if self.opts.hang_realpath is not None and path.decode() == self.opts.hang_realpath:
            await asyncio.Event().wait()
        result = super().realpath(path)
        return result if isinstance(result, bytes) else await result

    async def read(self, file_obj: object, offset: int, size: int) -> bytes:
        hang_from = self.opts.hang_reads_from
        if hang_from is not None and offset >= hang_from:
            await asyncio.Event().wait()
        data = super().read(file_obj, offset, size)
        assert isinstance(data, bytes)  # the stock server reads local files synchronously
        if self.opts.no_offset_reads:
            if offset != self._next_offset.get(id(file_obj), 0):
                raise asyncssh.SFTPFailure("this server cannot seek: reads must be sequential")
            self._next_offset[id(file_obj)] = offset + len(data)
        return data


class _ClosingSession(asyncssh.SSHServerSession[bytes]):
    """Closes its channel on the subsystem request: asyncssh then sends no answer to it."""

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._chan = chan

    def subsystem_requested(self, subsystem: str) -> bool:
        self._chan.close()
        return False


class _DemoSSHServer(asyncssh.SSHServer):

    def __init__(self, options: ServerOptions, counter: list[int]) -> None:
        self.opts = options
        self._counter = counter
        self._key_ok: set[str] = set()
        self._authorized = [asyncssh.import_public_key(line) for line in options.authorized_keys]
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._counter[0] += 1
        self._counter[1] = max(self._counter[1], self._counter[0])
        limit = self.opts.max_connections
        if limit is not None and self._counter[0] > limit:
            transport = conn.get_extra_info("socket")
            if transport is not None:  # reset before any byte, as a throttling sshd does
                transport.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.abort()
            return
        if self.opts.auth_banner:
            conn.send_auth_banner(self.opts.auth_banner)

    def connection_lost(self, exc: Exception | None) -> None:
        self._counter[0] -= 1

    def session_requested(self) -> asyncssh.SSHServerSession[bytes]:
        # Reached only without an SFTP factory ("no-sftp"): open the channel and refuse the
        # subsystem request (the stock session refuses every request), as an sshd without a
        # Subsystem line does — not the channel itself, which would be another diagnosis.
        return _ClosingSession() if self.opts.close_on_subsystem else asyncssh.SSHServerSession()

    def begin_auth(self, username: str) -> bool:
        return True

    def _report(self, method: str, user: str, ok: bool) -> None:
        if self.opts.on_auth:
            self.opts.on_auth(method, user, ok)

    def password_auth_supported(self) -> bool:
        if self.opts.key_then_password:
            return True
        return "password" in self.opts.auth_methods

    def validate_password(self, username: str, password: str) -> bool:
        if self.opts.key_then_password and username not in self._key_ok:
            self._report("password", username, False)
            return False
        ok = self.opts.users.get(username) == password
        self._report("password", username, ok)
        return ok

    def public_key_auth_supported(self) -> bool:
        if self._key_ok:  # key step done: only the password remains, as OpenSSH lists it
            return False
        return "publickey" in self.opts.auth_methods or self.opts.key_then_password

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        ok = username in self.opts.users and any(
            key.public_data == k.public_data for k in self._authorized
        )
        self._report("publickey", username, ok)
        if ok and self.opts.key_then_password:
            self._key_ok.add(username)
            # asyncssh's server cannot send partial success; refusing the key while dropping
            # publickey from the offered methods gives the client the same list change.
            return False
        return ok

    def kbdint_auth_supported(self) -> bool:
        return "keyboard-interactive" in self.opts.auth_methods

    def get_kbdint_challenge(
        self, username: str, lang: str, submethods: str
    ) -> tuple[str, str, str, list[tuple[str, bool]]]:
        return "", "", "", [("Password: ", False)]

    def validate_kbdint_response(self, username: str, responses: Sequence[str]) -> bool:
        ok = bool(responses) and self.opts.users.get(username) == responses[0]
        self._report("keyboard-interactive", username, ok)
        return ok


class DemoServer:
    """An asyncssh SFTP server on 127.0.0.1 (free port) serving a temporary folder.

    ``async with DemoServer(fault="wrong-password") as demo: settings = demo.settings()``
    """

    def __init__(self, fault: str | None = None, *, options: ServerOptions | None = None,
                 host: str = "127.0.0.1", root: Path | None = None) -> None:
        self.fault = fault
        self.options = options or options_for_fault(fault)
        self.host = host
        self.port = 0
        self.user = DEMO_USER
        self.password = DEMO_PASSWORD
        self.folder = DEMO_FOLDER
        self._server: Any = None
        self._counter = [0, 0]  # connections open now, most ever open at once
        self._tmp: Path | None = root
        #: An existing folder to serve as it is (never written to, never deleted).
        self._own_root = root is None
        self.host_key = asyncssh.generate_private_key(self.options.host_key_type)

    @property
    def root(self) -> Path:
        assert self._tmp is not None, "server not started"
        return self._tmp

    @property
    def peak_connections(self) -> int:
        """The most connections that were open at the same time (to prove probes stay bounded)."""
        return self._counter[1]

    @property
    def fingerprint(self) -> str:
        """SHA256 fingerprint of the host key (what --host-key-fingerprint pins)."""
        return str(self.host_key.get_fingerprint("sha256"))

    @property
    def known_hosts_line(self) -> str:
        pub = self.host_key.export_public_key().decode().strip()
        return f"[{self.host}]:{self.port} {pub}"

    def settings(self, **overrides: Any) -> SftpSettings:
        """Settings that reach this server (the named fault applied on the client side too)."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": SecretStr(self.password),
            "folder": self.folder,
            "host_key_fingerprint": self.fingerprint,
        }
        if self.fault == "wrong-password":
            values["password"] = SecretStr("not-the-password")
        if self.fault == "missing-folder":
            values["folder"] = "incoming"
        values.update(overrides)
        return SftpSettings(**values)

    async def start(self) -> DemoServer:
        if self._own_root:
            self._tmp = Path(tempfile.mkdtemp(prefix="sourcedoctor-demo-"))
            for rel, data in self.options.files.items():
                path = self._tmp / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            for rel in self.options.dirs:
                (self._tmp / rel).mkdir(parents=True, exist_ok=True)
        assert self._tmp is not None
        opts = self.options
        root = str(self._tmp)

        def sftp_factory(chan: asyncssh.SSHServerChannel[bytes]) -> asyncssh.SFTPServer:
            if opts.shell_noise:
                chan.write(opts.shell_noise)
            return _DemoSFTPServer(chan, opts, root.encode())

        counter = self._counter
        kwargs: dict[str, Any] = {}
        if opts.kex_algs:
            kwargs["kex_algs"] = list(opts.kex_algs)
        if opts.host_key_algs:
            kwargs["server_host_key_algs"] = list(opts.host_key_algs)
        self._server = await asyncssh.create_server(
            lambda: _DemoSSHServer(opts, counter),
            self.host,
            0,
            server_host_keys=[self.host_key],
            sftp_factory=sftp_factory if opts.sftp and not opts.close_on_subsystem else None,
            allow_scp=False,
            login_timeout=30,
            **kwargs,
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None
        if self._tmp is not None and self._own_root:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    async def __aenter__(self) -> DemoServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
