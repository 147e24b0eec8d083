"""End to end: distinctive secrets planted everywhere never come out of any output format.

Real diagnoses against the embedded server (pass and fail paths), every output format, every byte
of stdout, stderr, written files and the unzipped support bundle.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from sourcedoctor.connectors.sftp.demo.server import DEMO_USER, ServerOptions, demo_files

PASSWORD = "Cnry-Passw0rd-7731xq"
PASSPHRASE = "Cnry-Phrase-4410zz"


def _secrets(key_text: str, pw: str) -> list[str]:
    body = [line for line in key_text.splitlines() if line and not line.startswith("-----")]
    return [pw, PASSPHRASE, base64.b64encode(pw.encode()).decode().rstrip("="),
            body[1], base64.b64encode(key_text.encode()).decode()[:60]]


def _run_all_formats(url: str, fp: str, key: Path, tmp: Path, env: dict[str, str]) -> list[bytes]:
    blobs: list[bytes] = []
    common = [url, "--host-key-fingerprint", fp, "--password-env", "PW", "--key", str(key),
              "--passphrase-env", "PP", "--no-prompt"]
    for fmt in ("text", "json", "md", "html", "bundle"):
        out = tmp / f"report.{fmt}"
        args = ["sourcedoctor", "check", *common, "--format", fmt]
        if fmt in ("md", "html", "bundle"):
            args += ["--output", str(out)]
        proc = subprocess.run(args, capture_output=True, env={**os.environ, **env}, timeout=60,
                              check=False)
        assert proc.returncode in (0, 1), proc.stderr.decode()
        blobs += [proc.stdout, proc.stderr]
        if out.exists():
            if fmt == "bundle":
                with zipfile.ZipFile(out) as z:
                    blobs += [z.read(name) for name in z.namelist()]
            else:
                blobs.append(out.read_bytes())
    return blobs


@pytest.mark.parametrize("path", ["pass", "wrong-password", "shell-noise-echo"])
def test_no_secret_in_any_output(demo_server, keygen, tmp_path: Path, path: str) -> None:
    key = keygen(type="ed25519", passphrase=PASSPHRASE)
    # The secret the user holds: the server's password, or a wrong one on the failing path.
    pw = "not-it-" + PASSWORD[::-1] if path == "wrong-password" else PASSWORD
    opts = ServerOptions(users={DEMO_USER: PASSWORD}, files=demo_files(None),
                         authorized_keys=(key.public_line,) if path != "wrong-password" else (),
                         auth_banner=f"Authorized use only. (you typed {pw})")
    if path == "shell-noise-echo":  # a login script echoing the secret into the SFTP stream
        opts = dataclasses.replace(opts, shell_noise=f"debug: login pw={pw}\n".encode())
    server = demo_server(options=opts)
    url = f"sftp://{DEMO_USER}@127.0.0.1:{server.port}/inbound"
    blobs = _run_all_formats(url, server.fingerprint, key.private, tmp_path,
                             {"PW": pw, "PP": PASSPHRASE})
    assert any(b"auth." in b or b"verdict" in b for b in blobs)  # the runs really happened
    for secret in _secrets(key.private.read_text(), pw):
        for blob in blobs:
            assert secret.encode() not in blob, f"{secret!r} leaked"


def test_redact_hosts_hides_host_and_user(demo_server, tmp_path: Path) -> None:
    server = demo_server(options=ServerOptions(users={"acme-ingest": PASSWORD},
                                               files=demo_files(None)))
    proc = subprocess.run(
        ["sourcedoctor", "check", f"sftp://acme-ingest@localhost:{server.port}/inbound",
         "--host-key-fingerprint", server.fingerprint, "--password-env", "PW", "--format", "md",
         "--redact-hosts"],
        capture_output=True, text=True, env={**os.environ, "PW": PASSWORD}, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "acme-ingest" not in proc.stdout and "localhost" not in proc.stdout
    assert "user-1" in proc.stdout
