"""The key layer of the SSH diagnosis, and the `key inspect` command."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from sourcedoctor.checks.base import Context, Outcome
from sourcedoctor.connectors.sftp.settings import SftpSettings
from sourcedoctor.connectors.sftp.state import SftpState
from sourcedoctor.model import Status
from sourcedoctor.targets import AEP, GENERIC, TargetProfile

from .conftest import PASS, KeyFactory


async def _run(ctx: Context[SftpSettings, SftpState]) -> Outcome:
    # Imported late: importing a check module before the connector package is a circular import.
    from sourcedoctor.connectors.sftp.checks.ssh_key import KeyCheck

    return await KeyCheck().run(ctx)


def _ctx(target: TargetProfile = AEP, **settings: object) -> Context[SftpSettings, SftpState]:
    return Context(SftpSettings(host="127.0.0.1", user="u", **settings), SftpState(), target)  # type: ignore[arg-type,call-arg]


async def test_check_without_key_is_not_applicable() -> None:
    outcome = await _run(_ctx())
    assert outcome.resolved_status() is Status.SKIP


async def test_check_loads_base64_content_with_a_note(keys: KeyFactory) -> None:
    content = SecretStr(base64.b64encode(keys.data("ed25519")).decode())
    # aep stores keys this way (privateKeyContent), so it is no defect there; elsewhere a note.
    assert (await _run(_ctx(key_content=content))).findings == ()
    ctx = _ctx(GENERIC, key_content=content)
    outcome = await _run(ctx)
    assert [f.code for f in outcome.findings] == ["key.normalized"]
    assert outcome.resolved_status() is Status.PASS
    assert ctx.state.client_key is not None and not ctx.state.key_unusable
    assert outcome.facts["fingerprint_sha256"] == keys.fingerprint("ed25519")
    assert "PRIVATE" not in json.dumps(dict(outcome.facts))


async def test_check_ppk_fails_but_key_is_loaded_for_auth(keys: KeyFactory) -> None:
    ctx = _ctx(key_path=str(keys.path("rsa_v3_enc.ppk")), passphrase=SecretStr(PASS))
    outcome = await _run(ctx)
    assert [f.code for f in outcome.findings] == ["key.ppk_format"]
    assert outcome.resolved_status() is Status.FAIL
    assert ctx.state.client_key is not None
    assert ctx.state.client_key.get_fingerprint() == keys.fingerprint("rsa")


async def test_check_missing_passphrase_marks_key_unusable(keys: KeyFactory) -> None:
    ctx = _ctx(key_path=str(keys.path("ed25519_enc")))
    outcome = await _run(ctx)
    assert [f.code for f in outcome.findings] == ["key.passphrase_required"]
    assert ctx.state.client_key is None and ctx.state.key_unusable


async def test_check_fifo_key_path(tmp_path: Path) -> None:
    fifo = tmp_path / "k"
    fifo.write_text("placeholder")
    ctx = _ctx(key_path=str(fifo))  # the settings refuse a FIFO; here it is swapped in after
    fifo.unlink()
    os.mkfifo(fifo)
    outcome = await _run(ctx)
    assert [f.code for f in outcome.findings] == ["config.invalid"] and ctx.state.key_unusable


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    from sourcedoctor.cli.key import command

    return command


def test_cli_text_and_exit_codes(cli, keys: KeyFactory) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    ok = runner.invoke(cli, ["inspect", str(keys.path("ed25519")), "--target", "aep"])
    assert ok.exit_code == 0, ok.output
    assert keys.fingerprint("ed25519") in ok.output and "PRIVATE KEY" not in ok.output
    bad = runner.invoke(cli, ["inspect", str(keys.path("ecdsa")), "--target", "aep"])
    assert bad.exit_code == 1 and "key.unsupported_by_target" in bad.output
    assert runner.invoke(cli, ["inspect", str(keys.path("ecdsa"))]).exit_code == 0
    usage = runner.invoke(cli, ["inspect", str(keys.root)])
    assert usage.exit_code == 2


def test_cli_json_and_stdin(cli, keys: KeyFactory) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["inspect", "-", "--format", "json", "--passphrase-env", "KP"],
        input=keys.data("rsa_pem_enc").replace(b"\n", b"\r\n"),
        env={"KP": PASS},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["format"] == "pem" and data["type"] == "rsa" and data["usable"] is True
    assert [f["code"] for f in data["findings"]] == ["key.normalized"]
    assert "BEGIN RSA" not in result.output


def test_cli_emit_writes_0600_and_refuses_overwrite(cli, keys: KeyFactory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    out = tmp_path / "converted"
    args = ["inspect", str(keys.path("ed25519_v2.ppk")), "--emit", "openssh", "--output", str(out)]
    first = runner.invoke(cli, args)
    assert first.exit_code == 1  # key.ppk_format is still a failure of the input
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert runner.invoke(cli, args).exit_code == 2
    assert runner.invoke(cli, [*args, "--force"]).exit_code == 1
    assert runner.invoke(cli, ["inspect", str(keys.path("ed25519")), "--emit", "pem"]).exit_code == 2


def test_cli_emit_stdout_only_when_asked(cli, keys: KeyFactory) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        cli,
        [
            "inspect",
            str(keys.path("rsa_pem")),
            "--emit",
            "aep-base64",
            "--stdout",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0
    assert base64.b64decode(result.stdout_bytes).startswith(b"-----BEGIN RSA PRIVATE KEY-----")


def test_generic_target_default(keys: KeyFactory) -> None:
    from sourcedoctor.keys import inspect_key

    assert inspect_key(keys.data("ecdsa"), target=GENERIC).target_ok
