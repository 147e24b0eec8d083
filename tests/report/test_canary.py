"""The redaction guarantee: planted secrets and identities appear in no byte of any output format.

Keys are real ones made by ssh-keygen (OpenSSH and PEM armour) and puttygen (PPK); secrets are
planted where a buggy engine could leak them: settings, evidence, facts, summaries, banners, the
transcript, the reproduce command, even a traceback.
"""

from __future__ import annotations

import base64
import html
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from sourcedoctor.config.secrets import Redactor
from sourcedoctor.model import CheckResult, Finding, Report, Severity, Status
from sourcedoctor.report import FORMATS, render_text, write_report
from sourcedoctor.report.samples import failing_report, passing_report
from tests.support import require_binary

PASSWORD = "Canary-Pw-7781zq"
PASSPHRASE = "canary passphrase 3344 xv"
TOKEN = "tok_CANARY_9f8e7d6c5b4a"
HOST = "ingest-canary.corp.example.net"
IP = "198.51.100.77"
IPV6 = "2001:db8:cafe::77"
USER = "canaryuser"


def _keygen(tmp: Path, name: str, *extra: str) -> str:
    path = tmp / name
    subprocess.run([require_binary("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-f", str(path),
                    *extra], check=True)
    return path.read_text()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Private keys in every armour a user may paste: OpenSSH, PEM RSA, PPK, one-line base64."""
    tmp = tmp_path_factory.mktemp("keys")
    openssh = _keygen(tmp, "ed")
    rsa_path = tmp / "rsa"
    subprocess.run([require_binary("ssh-keygen"), "-q", "-t", "rsa", "-b", "2048", "-m", "PEM",
                    "-N", "", "-f", str(rsa_path)], check=True)
    subprocess.run([require_binary("puttygen"), str(tmp / "ed"), "-O", "private", "-o",
                    str(tmp / "ed.ppk")], check=True)
    return {
        "openssh": openssh,
        "pem": rsa_path.read_text(),
        "ppk": (tmp / "ed.ppk").read_text(),
        "b64": base64.b64encode(openssh.encode()).decode(),
    }


def _needles(keys: dict[str, str]) -> list[str]:
    """Every distinctive piece of secret text: whole secrets and each long line of every key."""
    out = [PASSWORD, PASSPHRASE, TOKEN, keys["b64"][:40], keys["b64"][-40:]]
    for text in (keys["openssh"], keys["pem"], keys["ppk"]):
        body = [ln.strip() for ln in text.splitlines() if ln.strip() and "-----" not in ln]
        out += [ln for ln in body if len(ln) >= 20 and not ln.startswith(("PuTTY", "Encryption",
                                                                         "Comment", "Public-Lines",
                                                                         "Private-Lines"))]
    return out


def _planted(base: Report, keys: dict[str, str]) -> Report:
    """``base`` with secrets and identities planted in every string field a bug could fill."""
    evidence = {
        "shell_noise": f"Welcome {USER}! export DB_PASSWORD={PASSWORD}\n",
        "key_text": keys["openssh"],
        "ppk": keys["ppk"],
        "pem_in_text": f"loaded: {keys['pem']} (done)",
        "privateKeyContent": keys["b64"],
        "one_line_in_prose": f"key was {keys['b64']} as given",
        "url": f"sftp://{USER}:{PASSWORD}@{HOST}:22/in",
        "auth_header": f"Authorization: Bearer {TOKEN}",
        "passphrase": PASSPHRASE,
        "addresses": [IP, IPV6],
        "tcp": {f"{IP}:22": 3, f"[{IPV6}]:22": 4},
        "home": f"/home/{USER}/inbound",
    }
    noisy = CheckResult(
        "sftp.session", "SFTP subsystem", Status.FAIL, 5,
        (Finding("sftp.shell_noise", Severity.FAIL,
                 f"{HOST} printed text for {USER}: password={PASSWORD}", "detail " + PASSPHRASE,
                 evidence, (f"Remove the echo from /home/{USER}/.bashrc on {HOST} ({IP})",)),),
        facts={"banner": f"SSH-2.0-OpenSSH_9.2 {HOST} token={TOKEN}", "pre_auth_banner":
               f"Authorized users only. Contact {USER}@{HOST}. {PASSWORD}"},
        traceback=f"ValueError: bad {PASSPHRASE} for {keys['openssh']}",
    )
    checks = tuple(noisy if c.check_id == "sftp.session" else c for c in base.checks)
    target = {**base.target, "host": HOST, "user": USER, "url": f"sftp://{USER}@{HOST}:22/in",
              "password": PASSWORD, "passphrase": PASSPHRASE, "key_content": keys["openssh"],
              "resolver": IP}
    transcript = [*base.extras.get("transcript", []),
                  f"+ 1 ms [auth] sending password {PASSWORD} for {USER}@{HOST}",
                  f"+ 2 ms [tcp] connect {IP}:22 / [{IPV6}]:22",
                  f"+ 3 ms [key] {keys['b64']}", f"+ 4 ms [banner] {TOKEN}"]
    return replace(base, checks=checks, target=target, extras={"transcript": transcript},
                   command=f"sourcedoctor check sftp://{USER}:{PASSWORD}@{HOST}/in --resolver {IP}")


def _outputs(report: Report, redactor: Redactor, tmp: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for fmt in FORMATS:
        path = tmp / f"out.{fmt}"
        write_report(report, fmt, redactor, path)
        if fmt == "bundle":
            with zipfile.ZipFile(path) as zf:
                out.update({f"bundle/{n}": zf.read(n) for n in zf.namelist()})
        out[fmt] = path.read_bytes()  # the zip itself too: stored names and any raw bytes
    console = Console(record=True, width=200, file=open(tmp / "console.txt", "w"))  # noqa: SIM115
    render_text(report, console, redactor)
    out["render_text"] = console.export_text().encode()
    return out


def _hits(outputs: dict[str, bytes], needles: list[str]) -> list[str]:
    hits = []
    for name, data in outputs.items():
        text = data.decode("utf-8", "replace")
        for needle in needles:
            for form in {needle, html.escape(needle), html.escape(needle, quote=False)}:
                if form in text:
                    hits.append(f"{name}: {needle[:24]}…")
    return hits


def _redactor(keys: dict[str, str], *, redact_hosts: bool = False) -> Redactor:
    # What the engine registers: the secrets the user gave (password, passphrase, key, a token).
    return Redactor([PASSWORD, PASSPHRASE, TOKEN], redact_hosts=redact_hosts)


@pytest.mark.parametrize("base", [passing_report, failing_report], ids=["pass", "fail"])
def test_no_secret_in_any_format(base, keys: dict[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = _planted(base(), keys)
    outputs = _outputs(report, _redactor(keys), tmp_path)
    assert _hits(outputs, _needles(keys)) == []
    # Redaction must not throw the rest away: the finding and its non-secret evidence survive.
    assert b"sftp.shell_noise" in outputs["md"] and HOST.encode() in outputs["md"]


def test_unregistered_key_material_is_masked(keys: dict[str, str], tmp_path: Path) -> None:
    """Keys nobody registered (pasted into evidence) are caught by their shape alone."""
    report = _planted(failing_report(), keys)
    outputs = _outputs(report, Redactor(), tmp_path)
    key_needles = [n for n in _needles(keys) if n not in (PASSWORD, PASSPHRASE, TOKEN)]
    assert _hits(outputs, key_needles) == []


def test_redact_hosts_removes_every_identity(keys: dict[str, str], tmp_path: Path) -> None:
    report = _planted(failing_report(), keys)
    outputs = _outputs(report, _redactor(keys, redact_hosts=True), tmp_path)
    identities = [HOST, IP, IPV6, USER, "sftp.example.com", "203.0.113.10", "10.20.0.53"]
    assert _hits(outputs, _needles(keys) + identities) == []
    md = outputs["md"].decode()
    assert "host-1" in md and "user-1" in md and "192.0.2." in md and "2001:db8::" in md
    # check ids and codes are structure, never pseudonymised
    assert "`sftp.session`" in md and "sftp.shell_noise" in md
