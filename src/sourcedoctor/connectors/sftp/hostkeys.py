"""Host-key verification: compare what the server presents with what the user pinned or trusts.

Nothing is trusted or written silently: a mismatch fails the run, an unknown key is a warning with
the fingerprints to confirm out of band, and known_hosts is only written with ``--accept-new``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh


def fingerprints(key: asyncssh.SSHKey) -> tuple[str, str]:
    """(SHA256:..., MD5:aa:bb:...) of a public key, as ssh-keygen -l prints them."""
    blob = key.public_data
    sha = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    md5 = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return f"SHA256:{sha}", "MD5:" + ":".join(md5[i : i + 2] for i in range(0, 32, 2))


def known_hosts_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


@dataclass(frozen=True)
class HostKeyVerdict:
    status: str  # "match" | "mismatch" | "unknown"
    fingerprint: str
    md5: str
    algorithm: str
    source: str  # where the expectation came from ("pinned fingerprint", a known_hosts path, "")
    expected: tuple[str, ...] = ()
    known_hosts_line: str = ""
    note: str = ""


@dataclass
class HostKeyPolicy:
    """What we expect of the server's host key, built before connecting."""

    host: str
    addr: str
    port: int
    pinned: str | None = None
    known_hosts_path: str | None = None
    trusted: list[asyncssh.SSHKey] = field(default_factory=list)
    load_error: str | None = None

    @classmethod
    def build(
        cls, host: str, addr: str, port: int, pinned: str | None, known_hosts: str | None
    ) -> HostKeyPolicy:
        path = known_hosts
        if path is None:
            default = Path("~/.ssh/known_hosts").expanduser()
            path = str(default) if default.is_file() else None
        policy = cls(host, addr, port, pinned.strip() if pinned else None, path)
        if path is not None:
            try:
                trusted = asyncssh.read_known_hosts(path).match(
                    host, addr, port if port != 22 else None
                )[0]
                policy.trusted = list(trusted)
            except (OSError, ValueError, asyncssh.KeyImportError) as exc:
                policy.load_error = f"cannot read known_hosts {path}: {exc}"
        return policy

    def preferred_algorithms(self) -> list[str]:
        """Host-key algorithms of already-trusted keys first, so their type gets negotiated."""
        algs: list[str] = []
        for key in self.trusted:
            for alg in key.sig_algorithms:
                name = alg.decode()
                if name not in algs:
                    algs.append(name)
        if not algs:
            return []
        defaults = [a.decode() for a in asyncssh.public_key.get_default_public_key_algs()]
        return algs + [a for a in defaults if a not in algs]

    def judge(self, key: asyncssh.SSHKey) -> HostKeyVerdict:
        sha, md5 = fingerprints(key)
        alg = key.get_algorithm()
        line = f"{known_hosts_name(self.host, self.port)} {key.export_public_key().decode().strip()}"
        if self.pinned:
            # Several may be pinned (comma-separated): one per host key type of the server.
            pins = tuple(p.strip() for p in self.pinned.replace(" ", ",").split(",") if p.strip())
            ok = any(p in (sha, md5, sha.removeprefix("SHA256:")) for p in pins)
            return HostKeyVerdict("match" if ok else "mismatch", sha, md5, alg,
                                  "pinned fingerprint", pins, line)
        if self.trusted:
            if any(k.public_data == key.public_data for k in self.trusted):
                return HostKeyVerdict("match", sha, md5, alg, self.known_hosts_path or "", (), line)
            same_type = [k for k in self.trusted if k.get_algorithm() == alg]
            expected = tuple(fingerprints(k)[0] for k in (same_type or self.trusted))
            if same_type:
                return HostKeyVerdict("mismatch", sha, md5, alg, self.known_hosts_path or "",
                                      expected, line)
            return HostKeyVerdict(
                "unknown", sha, md5, alg, self.known_hosts_path or "", expected, line,
                note=f"known_hosts has keys of another type for this host ({', '.join(expected)})",
            )
        return HostKeyVerdict("unknown", sha, md5, alg, "", (), line, note=self.load_error or "")

    def append_known_host(self, line: str) -> str:
        """Write an accepted key (``--accept-new``); returns the file written."""
        path = Path(self.known_hosts_path or Path("~/.ssh/known_hosts").expanduser())
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a") as fh:
            fh.write(line + "\n")
        return str(path)
