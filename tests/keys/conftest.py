"""Real key files, made once per session by ssh-keygen, puttygen and openssl."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import require_binary

PASS = "correct horse"


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=60)


class KeyFactory:
    """Makes named key files in one directory on demand (each at most once per session)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "pass.txt").write_text(PASS + "\n")
        self._makers: dict[str, Callable[[Path], None]] = {
            "ed25519": lambda p: self._keygen(p, "-t", "ed25519"),
            "ed25519_enc": lambda p: self._keygen(p, "-t", "ed25519", pw=PASS),
            "rsa": lambda p: self._keygen(p, "-t", "rsa", "-b", "2048"),
            "rsa1024": lambda p: self._keygen(p, "-t", "rsa", "-b", "1024"),
            "rsa_pem": lambda p: self._keygen(p, "-t", "rsa", "-b", "2048", "-m", "PEM"),
            "rsa_pem_enc": lambda p: self._keygen(p, "-t", "rsa", "-b", "2048", "-m", "PEM", pw=PASS),
            "rsa_pkcs8": lambda p: self._keygen(p, "-t", "rsa", "-b", "2048", "-m", "PKCS8"),
            "ecdsa": lambda p: self._keygen(p, "-t", "ecdsa", "-b", "256"),
            "ecdsa384_pem": lambda p: self._keygen(p, "-t", "ecdsa", "-b", "384", "-m", "PEM"),
            "ecdsa_enc": lambda p: self._keygen(p, "-t", "ecdsa", pw=PASS),
            "dsa": lambda p: self._keygen(p, "-t", "dsa"),
            "dsa_pem": lambda p: self._keygen(p, "-t", "dsa", "-m", "PEM"),
            "pkcs8_enc": self._pkcs8_enc,
            "ed25519_pkcs8": lambda p: self._openssl("genpkey", "-algorithm", "ed25519", "-out", str(p)),
            "sec1_ec": lambda p: self._openssl(
                "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", str(p)
            ),
            "x509": self._x509,
            "csr": self._csr,
            "cert": self._ssh_cert,
            "ssh2_pub": self._ssh2_pub,
            "sshcom": lambda p: self._puttygen(self.path("rsa"), "-O", "private-sshcom", "-o", str(p)),
            "sshcom_enc": lambda p: self._puttygen(
                self.path("rsa"),
                "-O",
                "private-sshcom",
                "--new-passphrase",
                str(self.root / "pass.txt"),
                "-o",
                str(p),
            ),
        }
        for base in ("ed25519", "rsa", "ecdsa", "dsa"):
            for version in (2, 3):
                self._makers[f"{base}_v{version}.ppk"] = self._ppk_maker(base, version, enc=False)
                self._makers[f"{base}_v{version}_enc.ppk"] = self._ppk_maker(base, version, enc=True)

    def path(self, name: str) -> Path:
        p = self.root / name
        if not p.exists():
            self._makers[name](p)
        return p

    def data(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def fingerprint(self, name: str) -> str:
        """ssh-keygen's own SHA256 fingerprint of the key's public half."""
        out = self._out(require_binary("ssh-keygen"), "-l", "-f", str(self.path(name)) + ".pub")
        return out.decode().split()[1]

    def _out(self, *args: str) -> bytes:
        return subprocess.run(args, cwd=self.root, check=True, capture_output=True, timeout=60).stdout

    def _keygen(self, p: Path, *args: str, pw: str = "") -> None:
        _run(
            require_binary("ssh-keygen"),
            "-q",
            *args,
            "-N",
            pw,
            "-C",
            f"{p.name}@test",
            "-f",
            str(p),
            cwd=self.root,
        )

    def _openssl(self, *args: str) -> None:
        _run(require_binary("openssl"), *args, cwd=self.root)

    def _puttygen(self, src: Path, *args: str) -> None:
        _run(require_binary("puttygen"), str(src), *args, cwd=self.root)

    def _ppk_maker(self, base: str, version: int, *, enc: bool) -> Callable[[Path], None]:
        def make(p: Path) -> None:
            extra = ["--new-passphrase", str(self.root / "pass.txt")] if enc else []
            self._puttygen(
                self.path(base),
                "-O",
                "private",
                "--ppk-param",
                f"version={version}",
                *extra,
                "-o",
                str(p),
            )

        return make

    def _ssh2_pub(self, p: Path) -> None:
        pub = str(self.path("ed25519")) + ".pub"
        p.write_bytes(self._out(require_binary("ssh-keygen"), "-e", "-f", pub))

    def _pkcs8_enc(self, p: Path) -> None:
        self._openssl(
            "pkcs8",
            "-topk8",
            "-v2",
            "aes256",
            "-in",
            str(self.path("rsa_pkcs8")),
            "-out",
            str(p),
            "-passout",
            f"pass:{PASS}",
        )

    def _x509(self, p: Path) -> None:
        self._openssl(
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(p) + ".key",
            "-out",
            str(p),
            "-subj",
            "/CN=test",
            "-days",
            "2",
        )

    def _csr(self, p: Path) -> None:
        self._openssl(
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(p) + ".key",
            "-out",
            str(p),
            "-subj",
            "/CN=test",
        )

    def _ssh_cert(self, p: Path) -> None:
        ca = self.path("rsa")
        user = self.path("ed25519")
        _run(
            require_binary("ssh-keygen"),
            "-q",
            "-s",
            str(ca),
            "-I",
            "test",
            "-n",
            "alice",
            str(user) + ".pub",
            cwd=self.root,
        )
        p.write_bytes((self.root / "ed25519-cert.pub").read_bytes())


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyFactory:
    return KeyFactory(tmp_path_factory.mktemp("keys"))
