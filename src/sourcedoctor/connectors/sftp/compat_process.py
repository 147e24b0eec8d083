"""paramiko's key exchange for the compatibility layer, in a child process started early.

Why: the compatibility matrix's paramiko row is a real paramiko key exchange (issue #16). In a
worker thread it costs the ``check`` process ~0.25 s of CPU near the end of the run: importing
paramiko (~0.13 s, plus ~0.1 s for ``invoke``, see :func:`import_paramiko`), all of it holding
the GIL that the asyncio loop running the other layers needs. ``sourcedoctor check sftp://…``
calls :func:`prestart` as soon as the command line names it: the child imports paramiko, says
``ready`` and waits for one request on its stdin. It is told the address and port only: no
credential ever reaches it.

The child runs at the parent's own priority. It used to run under Linux's ``SCHED_IDLE``, so as
never to slow the parent's imports; but a process can leave ``SCHED_IDLE`` only with privilege,
and once the request arrived the exchange itself ran starved: with every core busy the layer
waited over a second in some runs (worst of 12: whole process 1.48 s, against 0.65 s at normal
priority; ``bench/sftp_check.py --busy 2``). At normal priority the child's import shares a core
with whatever else runs. It does not import asyncio (this module loads it only in the parent, in
:func:`negotiate`): 79 ms to get ready instead of 90.

The child reads its stdin until EOF, so it ends with the parent however the parent ends
(``os._exit``, a signal): the kernel closes the pipe.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import os
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

from . import compat

#: The child started by :func:`prestart`, until :func:`negotiate` takes it (one request each).
_child: subprocess.Popen[bytes] | None = None
#: Where the last negotiation ran: "process" (the prestarted child) or "thread" (for tests).
last_ran_in: str | None = None


def prestart() -> None:
    """Start the child now (once per process); nothing happens if it cannot be started."""
    global _child
    if _child is not None:
        return
    with contextlib.suppress(OSError, ValueError, subprocess.SubprocessError):
        _child = subprocess.Popen(
            # -P: the working directory is not put on the module path (a paramiko.py or json.py
            # lying there is not imported).
            [sys.executable, "-P", "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, close_fds=True)
        atexit.register(end_unused)


def end_unused() -> None:
    """Kill the prestarted child if no negotiation took it (the run ended or was interrupted
    first). SIGKILL needs no CPU from the child, which on a busy machine could otherwise take a
    while to notice its closed stdin."""
    global _child
    child, _child = _child, None
    if child is not None:
        with contextlib.suppress(OSError):
            child.kill()
            child.wait(1.0)


async def negotiate(address: str, port: int, timeout: float) -> compat.StackResult:
    """paramiko's negotiation with ``address:port``: by the prestarted child when there is one,
    else (or when the child fails) in a worker thread. Cancelling it ends the child."""
    import asyncio  # here, not above: the child imports this module and needs no event loop

    global _child, last_ran_in
    child, _child = _child, None
    if child is not None:
        try:
            answer = await asyncio.to_thread(_ask, child, address, port, timeout)
        except asyncio.CancelledError:
            with contextlib.suppress(OSError):  # its blocked read then returns; the thread ends
                child.kill()
            raise
        if answer is not None:
            last_ran_in = "process"
            return answer
    last_ran_in = "thread"
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


def import_paramiko() -> None:
    """Import paramiko without ``invoke`` (~0.1 s of CPU): ``paramiko.config`` imports it only
    for ``Match exec`` lines, and a key exchange reads no ssh_config. Only while paramiko loads,
    and only if nothing imported invoke before; that one paramiko feature then raises its
    ImportError if anyone uses it (nothing in sourcedoctor does)."""
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


def _ask(child: subprocess.Popen[bytes], address: str, port: int,
         timeout: float) -> compat.StackResult | None:
    """Send the one request and read the answer (blocking); None when the child is not ready
    (it has not said so yet) or gave no answer."""
    assert child.stdin is not None and child.stdout is not None
    try:
        said, _, _ = select.select([child.stdout], [], [], 0)
        if not said or child.stdout.readline() != b"ready\n":
            raise ValueError("the compatibility process is not ready")
        child.stdin.write(json.dumps({"address": address, "port": port,
                                      "timeout": timeout}).encode() + b"\n")
        child.stdin.flush()
        line = child.stdout.readline()
        fields = json.loads(line) if line else None
        answer = compat.StackResult(**fields) if isinstance(fields, dict) else None
    except (OSError, ValueError, TypeError):
        answer = None
    for pipe in (child.stdin, child.stdout):
        with contextlib.suppress(OSError, ValueError):
            pipe.close()
    if answer is None:  # a child that answered exits by itself; one that did not is ended
        with contextlib.suppress(OSError):
            child.kill()
    # Reaped here, so that its CPU time counts as this process's children's (bench/sftp_check.py
    # reports it); it skips its interpreter's teardown, so this takes a millisecond.
    with contextlib.suppress(subprocess.TimeoutExpired, OSError):
        child.wait(1.0)
    return answer


# --- the child -----------------------------------------------------------------------------------


def _serve(requests: IO[str], answers: IO[str]) -> int:
    import_paramiko()  # before the request arrives: that is the point
    answers.write("ready\n")
    answers.flush()
    line = requests.readline()
    if not line:  # the parent ended, or never needed the row
        return 0
    request: dict[str, Any] = json.loads(line)
    result = compat.paramiko_negotiate(str(request["address"]), int(request["port"]),
                                       float(request["timeout"]))
    answers.write(json.dumps(dataclasses.asdict(result)) + "\n")
    answers.flush()
    return 0


def _main() -> None:
    # Ctrl+C reaches the whole process group: end quietly, the parent reports the interruption.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    code = _serve(sys.stdin, sys.stdout)
    sys.stdout.flush()
    os._exit(code)  # nothing to tear down: the parent waits for this exit (see _ask)


if __name__ == "__main__":
    _main()
