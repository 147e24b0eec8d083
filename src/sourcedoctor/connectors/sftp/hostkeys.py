"""Host-key verification: compare what the server presents with what the user pinned or trusts.

Nothing is trusted or written silently: a mismatch fails the run, an unknown key is a warning with
the fingerprints to confirm out of band, and known_hosts is only written with ``--accept-new``.

Which of its host keys a server presents is negotiated: the first algorithm in the client's list
that the server also offers. As OpenSSH does, the key types already known for the host go first
(from known_hosts, and from pins whose type is known), so a server with several host keys presents
the one we can verify; otherwise OpenSSH's own default order applies (ed25519, ECDSA, RSA-SHA2),
so the key shown for an unknown host is the one ``ssh`` and ``ssh-keyscan`` users see first.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from .known_hosts_file import relevant_known_hosts
from .pins import parse_pins

#: OpenSSH's default client order for plain (non-certificate) host keys. asyncssh's own default
#: puts RSA first, so a server with ed25519 and RSA keys would present RSA to us and ed25519 to
#: everyone using OpenSSH: a pin copied from ``ssh`` would then look wrong.
OPENSSH_HOST_KEY_ORDER = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
)


def key_family(alg: str) -> str:
    """The key behind a host-key algorithm: rsa-sha2-512, rsa-sha2-256 and ssh-rsa are one RSA
    key; a certificate counts as its key; every other algorithm is its own key type."""
    base = alg.replace("-cert-v01@openssh.com", "")
    if base in ("ssh-rsa", "rsa-sha2-256", "rsa-sha2-512") or base.startswith("ssh-rsa-sha"):
        return "rsa"
    return base


def host_key_order(first: Sequence[str] = ()) -> list[str]:
    """Every host-key algorithm asyncssh supports: ``first``, then OpenSSH's order, then the rest
    (legacy ``ssh-rsa`` last, so a SHA-1-only server is still reached and judged)."""
    supported = [a.decode() for a in asyncssh.public_key.get_default_public_key_algs()]
    order: list[str] = []
    for alg in (*first, *OPENSSH_HOST_KEY_ORDER, *supported):
        if alg in supported and alg not in order:
            order.append(alg)
    return order


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


@dataclass(frozen=True)
class HostKeySeen:
    """One host key type asked for while looking for a pinned key (see ``ssh.transport``)."""

    algorithm: str
    fingerprint: str = ""
    status: str = ""  # the verdict, or "" when the key could not be fetched
    error: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"algorithm": self.algorithm, "fingerprint": self.fingerprint, "status": self.status}
        if self.error:
            out["error"] = self.error
        return {k: v for k, v in out.items() if v}


@dataclass
class HostKeyPolicy:
    """What we expect of the server's host key, built before connecting."""

    host: str
    addr: str
    port: int
    #: Normalised pinned fingerprints (``SHA256:…`` / ``MD5:…``); when any is given, known_hosts
    #: only helps to learn their key types, it does not widen what is trusted.
    pins: tuple[str, ...] = ()
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
        pins = parse_pins(pinned) if pinned and pinned.strip() else ()
        policy = cls(host, addr, port, pins, path)
        if path is not None:
            try:
                # Streamed: only the lines that may concern this server are parsed (bounded RSS).
                trusted = asyncssh.import_known_hosts(
                    relevant_known_hosts(path, host, addr, port)
                ).match(host, addr, port if port != 22 else None)[0]
                policy.trusted = list(trusted)
            except (OSError, ValueError, asyncssh.KeyImportError) as exc:
                policy.load_error = f"cannot read known_hosts {path}: {exc}"
        return policy

    def pinned(self, key: asyncssh.SSHKey) -> bool:
        """Whether ``key`` is one of the pinned fingerprints."""
        return bool(set(fingerprints(key)) & set(self.pins))

    def known_algorithms(self) -> list[str]:
        """Host-key algorithms whose key we can verify, known before connecting: those of the
        known_hosts keys, or with pins, of the known_hosts keys that are pinned."""
        keys = [k for k in self.trusted if self.pinned(k)] if self.pins else self.trusted
        algs: list[str] = []
        for key in keys:
            for alg in key.sig_algorithms:
                if alg.decode() not in algs:
                    algs.append(alg.decode())
        return algs

    def preferred_algorithms(self, first: Sequence[str] = ()) -> list[str]:
        """The host-key algorithm list to offer: ``first`` (a type learnt for a pin), the known
        types, then OpenSSH's default order."""
        return host_key_order([*first, *self.known_algorithms()])

    def judge(self, key: asyncssh.SSHKey) -> HostKeyVerdict:
        sha, md5 = fingerprints(key)
        alg = key.get_algorithm()
        line = f"{known_hosts_name(self.host, self.port)} {key.export_public_key().decode().strip()}"
        if self.pins:
            # Several may be pinned: one per host key type of the server.
            return HostKeyVerdict("match" if self.pinned(key) else "mismatch", sha, md5, alg,
                                  "pinned fingerprint", self.pins, line)
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
                note=f"known_hosts has keys of another type for this host ({', '.join(expected)}), "
                     "and the server does not offer that type",
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
