"""The compatibility matrix's paramiko row: paramiko loaded lean, its key exchange in a thread.

The row is a real paramiko key exchange (issue #16), run by
:func:`~sourcedoctor.connectors.sftp.compat.paramiko_negotiate` in a worker thread, since
paramiko blocks. :func:`import_paramiko` loads paramiko without ``invoke`` (~0.1 s of CPU that a
key exchange never uses). The compatibility layer asks for it in the run's background thread
before anything else (:meth:`CompatCheck.warm_up
<sourcedoctor.connectors.sftp.checks.ssh_compat.CompatCheck.warm_up>`), so paramiko is loaded
while the first layers wait for the server.

Why not a child process, as this was until issue 10: a child prestarted by the CLI imported
paramiko on the second core, which on a quiet machine made ``check`` no faster than this (0.320
and 0.319 s, median of 15) and on a busy one slower, because a second interpreter and a second
copy of the crypto libraries cost ~80 ms of CPU where loading paramiko beside asyncssh costs ~35
(one core taken by other work: 0.387 s against 0.342 s). Run under ``SCHED_IDLE`` so as not to
compete, it starved: a process cannot leave that class without privilege, so its key exchange
then waited for an idle core, over a second with every core busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import threading
from collections.abc import Callable

from . import compat

_import_lock = threading.Lock()


def import_paramiko() -> None:
    """Import paramiko without ``invoke`` (~0.1 s of CPU): ``paramiko.config`` imports it only
    for ``Match exec`` lines, and a key exchange reads no ssh_config. Only while paramiko loads,
    and only if nothing imported invoke before; that one paramiko feature then raises its
    ImportError if anyone uses it (nothing in sourcedoctor does). Thread-safe: the background
    thread and the layer's worker thread may both ask."""
    with _import_lock:
        if "paramiko" in sys.modules:
            return
        block = "invoke" not in sys.modules
        if block:
            sys.modules["invoke"] = None  # type: ignore[assignment]  # makes `import invoke` fail
        try:
            import paramiko  # noqa: F401
        finally:
            if block and "invoke" in sys.modules and sys.modules["invoke"] is None:
                del sys.modules["invoke"]


async def negotiate(address: str, port: int, timeout: float) -> compat.StackResult:
    """paramiko's negotiation with ``address:port``, in a worker thread. Cancelling it shuts the
    thread's socket, which ends the exchange at once."""
    opened = _Opened()
    try:
        return await asyncio.to_thread(_negotiate_here, address, port, timeout, opened.add)
    except asyncio.CancelledError:
        # The thread cannot be cancelled; its socket can. Else it would wait out paramiko's
        # timeouts on a server that never answers, and the interpreter's exit with it.
        opened.shut()
        raise


def _negotiate_here(address: str, port: int, timeout: float,
                    on_socket: Callable[[socket.socket], None]) -> compat.StackResult:
    import_paramiko()
    return compat.paramiko_negotiate(address, port, timeout, on_socket)


class _Opened:
    """The worker thread's socket, shut down from the event loop when the negotiation is
    cancelled (also when it is cancelled before the thread has connected)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._shut = False

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock, shut = sock, self._shut
        if shut:
            _shutdown(sock)

    def shut(self) -> None:
        with self._lock:
            self._shut, sock = True, self._sock
        if sock is not None:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
