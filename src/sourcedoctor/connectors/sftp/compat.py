"""Which SSH client stacks can talk to this server: the compatibility matrix.

"It works with ``sftp`` from my laptop but the platform cannot connect" is a question about *lists*:
each client stack (OpenSSH, paramiko, asyncssh, the platform's own .NET-style client) has its own
key-exchange, host-key, cipher and MAC lists, and the server's offer may overlap one and not another.
The transport layer already read the server's complete KEXINIT; this module judges it against each
stack the way RFC 4253 §7.1 negotiates (the client's first algorithm the server also offers).

Where each list comes from (also in docs/check.md):
- ``asyncssh``: the library's own default lists (what sourcedoctor itself uses), computed.
- ``paramiko``: really negotiated — a paramiko ``Transport`` runs the key exchange against the
  server on a second connection and stops before authentication (:func:`paramiko_negotiate`).
- ``openssh``: the local OpenSSH client's effective defaults from ``ssh -G -F /dev/null``, computed;
  absent when no ``ssh`` binary is installed.
- the target's client (``aep``): the platform publishes no algorithm list. Its sources run on a
  managed .NET stack, so the profile uses the default lists of SSH.NET 2023.0 — the library such
  stacks embed — as the best public approximation (see :data:`SSHNET_2023`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .wire import KexInit

#: Categories in the order the matrix shows them.
CATEGORIES = ("kex", "host_key", "cipher", "mac")
#: Markers in a kex list that are not key-exchange methods.
_KEX_MARKERS = ("ext-info-", "kex-strict-")
#: Ciphers that carry their own integrity: the MAC list is not negotiated for them.
AEAD_CIPHERS = frozenset({
    "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
})


@dataclass(frozen=True)
class ClientStack:
    """One SSH client implementation's algorithm lists, in its preference order."""

    name: str
    label: str
    #: Where the lists come from (shown in the report next to the row).
    source: str
    kex: tuple[str, ...]
    host_key: tuple[str, ...]
    cipher: tuple[str, ...]
    mac: tuple[str, ...]

    def offer(self, category: str) -> tuple[str, ...]:
        return tuple(getattr(self, category))


@dataclass(frozen=True)
class StackResult:
    """What one stack negotiates with the server, per category (None: nothing in common)."""

    stack: str
    label: str
    source: str
    #: "negotiated" (a real key exchange ran) or "computed" (from the two lists).
    method: str
    agreed: dict[str, str | None] = field(default_factory=dict)
    error: str = ""

    @property
    def missing(self) -> list[str]:
        return [c for c in CATEGORIES if c in self.agreed and self.agreed[c] is None]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.error

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "stack": self.stack, "label": self.label, "source": self.source, "method": self.method,
            "ok": self.ok, "agreed": dict(self.agreed), "missing": self.missing,
        }
        if self.error:
            out["error"] = self.error
        return out


# SSH.NET 2023.0 defaults (ConnectionInfo), in its order: no chacha20/GCM ciphers, no encrypt-then-MAC
# MACs and no post-quantum key exchange — the usual reason a modern-only server fails from a .NET client.
SSHNET_2023 = ClientStack(
    name="sshnet-2023",
    label="platform client (SSH.NET 2023 lists)",
    source="SSH.NET 2023.0 default algorithm lists; the platform publishes none (docs/check.md)",
    kex=("curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
         "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha1",
         "diffie-hellman-group16-sha512", "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1",
         "diffie-hellman-group1-sha1"),
    host_key=("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
              "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-dss"),
    cipher=("aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc",
            "blowfish-cbc", "twofish-cbc", "twofish192-cbc", "twofish128-cbc", "twofish256-cbc",
            "arcfour", "arcfour128", "arcfour256", "cast128-cbc"),
    mac=("hmac-md5", "hmac-md5-96", "hmac-sha1", "hmac-sha1-96", "hmac-sha2-256", "hmac-sha2-256-96",
         "hmac-sha2-512", "hmac-sha2-512-96", "hmac-ripemd160", "hmac-ripemd160@openssh.com"),
)

#: The client stack each target profile's platform uses (targets without one get no row).
TARGET_CLIENTS: dict[str, ClientStack] = {"aep": SSHNET_2023}

#: For a fix: algorithms worth enabling on the server, best first, per category.
_RECOMMENDED = {
    "kex": ("curve25519-sha256", "ecdh-sha2-nistp256", "diffie-hellman-group16-sha512",
            "diffie-hellman-group14-sha256"),
    "host_key": ("rsa-sha2-512", "rsa-sha2-256", "ssh-ed25519", "ecdsa-sha2-nistp256"),
    "cipher": ("aes256-ctr", "aes128-ctr", "aes256-gcm@openssh.com"),
    "mac": ("hmac-sha2-256", "hmac-sha2-512", "hmac-sha2-256-etm@openssh.com"),
}
#: The sshd_config keyword for each category.
SSHD_KEYWORD = {"kex": "KexAlgorithms", "host_key": "HostKeyAlgorithms", "cipher": "Ciphers", "mac": "MACs"}


def _text(algs: Iterable[bytes | str]) -> tuple[str, ...]:
    return tuple(a.decode() if isinstance(a, bytes) else a for a in algs)


@functools.cache
def asyncssh_stack() -> ClientStack:
    """asyncssh's default client lists (GSS key exchange left out: it needs Kerberos credentials)."""
    import asyncssh
    from asyncssh.encryption import get_default_encryption_algs
    from asyncssh.kex import get_default_kex_algs
    from asyncssh.mac import get_default_mac_algs
    from asyncssh.public_key import get_default_certificate_algs

    from .hostkeys import host_key_order

    return ClientStack(
        name="asyncssh", label=f"asyncssh {asyncssh.__version__} (sourcedoctor)",
        source="the lists sourcedoctor's asyncssh client offers",
        kex=tuple(a for a in _text(get_default_kex_algs()) if not a.startswith("gss-")),
        # sourcedoctor offers host-key types in OpenSSH's order (see hostkeys.host_key_order).
        host_key=_text(get_default_certificate_algs()) + tuple(host_key_order()),
        cipher=_text(get_default_encryption_algs()),
        mac=_text(get_default_mac_algs()),
    )


@functools.cache
def paramiko_stack() -> ClientStack:
    """paramiko's preferred lists (used to explain a negotiation that failed)."""
    import paramiko

    t = paramiko.Transport
    return ClientStack(
        name="paramiko", label=f"paramiko {paramiko.__version__}",
        source="a real paramiko key exchange against the server (no authentication)",
        kex=tuple(t._preferred_kex), host_key=tuple(t._preferred_keys),
        cipher=tuple(t._preferred_ciphers), mac=tuple(t._preferred_macs),
    )


@functools.cache
def openssh_stack(ssh_binary: str = "ssh", timeout: float = 5.0) -> ClientStack | None:
    """The local OpenSSH client's effective default lists, or None when no ssh is installed."""
    path = shutil.which(ssh_binary)
    if path is None:
        return None
    # -G prints the configuration it would use and exits without connecting; -F /dev/null keeps
    # the user's own ~/.ssh/config out, so this is the client's shipped default. -V says the
    # version. Both run at once (each ~20 ms, at the end of a loopback run).
    procs: list[subprocess.Popen[str]] = []
    try:
        for argv in ([path, "-G", "-F", "/dev/null", "compat.invalid"], [path, "-V"]):
            procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          stdin=subprocess.DEVNULL, text=True))
        config, _ = procs[0].communicate(timeout=timeout)
        version = procs[1].communicate(timeout=timeout)[1].strip()
    except (OSError, subprocess.SubprocessError):
        return None
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    values: dict[str, tuple[str, ...]] = {}
    for line in config.splitlines():
        key, _, rest = line.partition(" ")
        if key in ("kexalgorithms", "hostkeyalgorithms", "ciphers", "macs"):
            values[key] = tuple(a for a in rest.strip().split(",") if a)
    if len(values) < 4:
        return None
    return ClientStack(
        name="openssh", label=version.split(",")[0] or "OpenSSH",
        source="the local OpenSSH client's defaults (ssh -G -F /dev/null)",
        kex=values["kexalgorithms"], host_key=values["hostkeyalgorithms"],
        cipher=values["ciphers"], mac=values["macs"],
    )


def server_lists(server: KexInit) -> dict[str, tuple[str, ...]]:
    """The server's offer per category, as negotiation sees it (kex without protocol markers)."""
    return {
        "kex": tuple(a for a in server.kex if not a.startswith(_KEX_MARKERS)),
        "host_key": server.host_key,
        "cipher": server.cipher_c2s,
        "mac": server.mac_c2s,
    }


def agree(client: ClientStack, server: KexInit) -> dict[str, str | None]:
    """RFC 4253 §7.1 per category: the client's first algorithm the server also offers."""
    offered = server_lists(server)
    agreed: dict[str, str | None] = {}
    for category in CATEGORIES:
        agreed[category] = next((a for a in client.offer(category) if a in offered[category]), None)
    if agreed["cipher"] in AEAD_CIPHERS:
        agreed["mac"] = "implicit (AEAD cipher)"
    return agreed


def compute(client: ClientStack, server: KexInit) -> StackResult:
    """The stack's outcome from the two lists alone."""
    return StackResult(client.name, client.label, client.source, "computed", agree(client, server))


#: Seconds to wait for the server to close paramiko's connection after the exchange (it takes a
#: round trip; a server that keeps it open is not waited for longer).
SERVER_CLOSE_WAIT = 3.0


def paramiko_negotiate(address: str, port: int, timeout: float,
                       on_socket: Callable[[socket.socket], None] | None = None) -> StackResult:
    """Run paramiko's key exchange against ``address:port`` and stop before authentication.

    Blocking: call it from a worker thread. paramiko's own timeouts bound it (socket connect,
    banner and the key exchange), so the thread ends by itself within about 3 × ``timeout``;
    ``on_socket`` gets the connected socket, so that another thread may shut it down to end the
    exchange at once.
    """
    import paramiko

    stack = paramiko_stack()
    channel = f"sourcedoctor.compat.{threading.get_ident()}"
    seen: dict[str, str] = {}

    class _KexName(logging.Handler):
        # paramiko names the agreed key exchange only in a debug log line ("Kex: NAME").
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message.startswith("Kex: "):
                seen["kex"] = message[5:].strip()

    logger = logging.getLogger(channel)
    handler = _KexName()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    transport: paramiko.Transport | None = None
    sock: socket.socket | None = None
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
        if on_socket is not None:
            on_socket(sock)
        transport = paramiko.Transport(sock)
        transport.set_log_channel(channel)
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        agreed: dict[str, str | None] = {
            "kex": seen.get("kex", "?"),
            "host_key": transport.host_key_type,
            "cipher": transport.local_cipher,
            "mac": ("implicit (AEAD cipher)" if transport.local_cipher in AEAD_CIPHERS
                    else transport.local_mac),
        }
        return StackResult(stack.name, stack.label, stack.source, "negotiated", agreed)
    except paramiko.SSHException as exc:
        return StackResult(stack.name, stack.label, stack.source, "negotiated",
                           _failed_category(str(exc), seen), error=str(exc) or type(exc).__name__)
    except (OSError, EOFError) as exc:
        return StackResult(stack.name, stack.label, stack.source, "negotiated", {},
                           error=f"{type(exc).__name__}: {exc}")
    finally:
        if sock is not None:
            # Done: say so (FIN) and wait until the server has closed its side too. Only then has
            # sshd stopped counting this connection under MaxStartups, so the parallel-read
            # probe's connections, which open next, are not refused because of it (a false
            # concurrency_limited). paramiko's thread ends when it reads the server's EOF.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
            if transport is not None and transport.is_alive():
                transport.join(min(timeout, SERVER_CLOSE_WAIT))
        if transport is not None:
            with contextlib.suppress(Exception):
                transport.close()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        logger.removeHandler(handler)


def _failed_category(message: str, seen: dict[str, str]) -> dict[str, str | None]:
    """Which category a paramiko ``IncompatiblePeer`` message names (others stay unknown)."""
    text = message.lower()
    for needle, category in (("kex", "kex"), ("host key", "host_key"), ("cipher", "cipher"),
                             ("mac", "mac")):
        if f"no acceptable {needle}" in text:
            out: dict[str, str | None] = {category: None}
            if category != "kex" and "kex" in seen:
                out["kex"] = seen["kex"]
            return out
    return {}


def server_fix(target: ClientStack, missing: Iterable[str], server: KexInit) -> list[str]:
    """sshd_config lines that give ``target`` something in common for each missing category."""
    steps: list[str] = []
    offered_host_keys = set(server.host_key)
    for category in missing:
        candidates = [a for a in _RECOMMENDED[category] if a in target.offer(category)]
        if not candidates:
            candidates = list(target.offer(category)[:1])
        if not candidates:
            continue
        choice = candidates[0]
        if category == "host_key":
            rsa_key = bool(offered_host_keys & {"ssh-rsa", "rsa-sha2-256", "rsa-sha2-512"})
            if choice.startswith("rsa-") and not rsa_key:
                steps.append("Add an RSA host key the platform can verify: ssh-keygen -t rsa -b 3072 "
                             "-f /etc/ssh/ssh_host_rsa_key -N '' and add "
                             "'HostKey /etc/ssh/ssh_host_rsa_key' to sshd_config")
        steps.append(f"In sshd_config, add to {SSHD_KEYWORD[category]}: {SSHD_KEYWORD[category]} "
                     f"+{choice}   (the '+' appends to the server's defaults)")
    if steps:
        steps.append("Reload sshd (systemctl reload ssh) and run the check again")
    return steps
