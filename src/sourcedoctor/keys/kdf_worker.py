"""Decrypt a key in a child process, so a slow key derivation can be abandoned.

A thread cannot be stopped: a bcrypt or Argon2 run that outlives its budget would keep the
process alive until it ends (minutes, for the costliest keys we accept). A child process can be
killed. The key text and passphrase go to the child on its stdin and the decrypted key comes back
on its stdout, as an unencrypted OpenSSH private key: pipes only, never argv or the environment.

``python -m sourcedoctor.keys.kdf_worker`` is the child's side.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncssh

#: Children running now, so a cancelled caller can kill them (see :func:`abandon_all`).
_children: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class ChildResult:
    """The child's answer: the loaded key, or the loader's (reason, message), or a timeout."""

    key: asyncssh.SSHKey | None = None
    reason: str | None = None
    message: str = ""
    timed_out: bool = False
    seconds: float = 0.0


def load_in_child(text: str, passphrase: str, timeout: float) -> ChildResult:
    """Load the (normalised) key ``text`` with ``passphrase`` in a child, killed after ``timeout``."""
    import asyncssh

    t0 = time.monotonic()
    request = json.dumps({"text": text, "passphrase": passphrase}).encode()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sourcedoctor.keys.kdf_worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    with _lock:
        _children.add(proc)
    try:
        out, _ = proc.communicate(request, timeout=max(0.0, timeout))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return ChildResult(timed_out=True, seconds=time.monotonic() - t0)
    finally:
        with _lock:
            _children.discard(proc)
    took = time.monotonic() - t0
    try:
        answer = json.loads(out or b"{}")
    except ValueError:
        answer = {}
    if "key" in answer:
        return ChildResult(key=asyncssh.import_private_key(answer["key"]), seconds=took)
    if "reason" in answer:
        return ChildResult(reason=answer["reason"], message=answer.get("message", ""), seconds=took)
    # Killed from outside (abandon_all) or crashed: no key, and nothing to blame on the file.
    return ChildResult(timed_out=True, seconds=took)


def abandon_all() -> None:
    """Kill every decryption child still running (the caller was cancelled)."""
    with _lock:
        running = list(_children)
    for proc in running:
        with contextlib.suppress(OSError):
            proc.kill()


def main() -> None:
    """The child: read the request from stdin, load the key, answer on stdout."""
    from .detect import detect
    from .inspect import KeyLoadError, load_detected

    request = json.loads(sys.stdin.buffer.read())
    try:
        key = load_detected(detect(request["text"]), request["passphrase"])
    except KeyLoadError as exc:
        answer = {"reason": exc.reason, "message": str(exc)}
    else:
        answer = {"key": key.export_private_key("openssh").decode()}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
