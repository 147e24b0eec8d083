"""Faults OpenSSH cannot produce on demand, against the in-process asyncssh server (the demo's)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from sourcedoctor.connectors.sftp.checks.sftp_folder import FolderCheck
from sourcedoctor.connectors.sftp.demo.server import FAULTS, DemoServer, ServerOptions, demo_files
from sourcedoctor.model import Status, Verdict
from tests.sftp.helpers import codes, diagnose, facts, failing, status

EXPECTED = {
    "wrong-password": ("generic", "auth.password_rejected"),
    "missing-folder": ("generic", "path.not_found"),
    "shell-noise": ("generic", "sftp.shell_noise"),
    "utf16-file": ("aep", "data.encoding"),
    "kbdint-only": ("aep", "auth.keyboard_interactive_only"),
    "empty-folder": ("generic", "path.empty"),
    "legacy-kex": ("generic", "ssh.kex_legacy"),
    "no-sftp": ("generic", "sftp.subsystem_unavailable"),
}


def test_every_demo_fault_has_an_expectation() -> None:
    assert set(EXPECTED) == set(FAULTS)


async def test_demo_is_healthy() -> None:
    async with DemoServer() as demo:
        report = await diagnose(**demo.settings().model_dump())
    assert report.verdict is Verdict.PASS, codes(report)


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_demo_faults(fault: str) -> None:
    target, code = EXPECTED[fault]
    async with DemoServer(fault) as demo:
        report = await diagnose(target, **demo.settings().model_dump())
    assert failing(report) == code, codes(report)


def _options(**kw: object) -> ServerOptions:
    return dataclasses.replace(ServerOptions(files=demo_files(None)), **kw)  # type: ignore[arg-type]


async def test_range_read_unsupported() -> None:
    async with DemoServer(options=_options(no_offset_reads=True)) as demo:
        report = await diagnose("aep", **demo.settings().model_dump())
    assert "sftp.range_read_unsupported" in codes(report)


async def test_concurrency_limited_drop_before_banner() -> None:
    async with DemoServer(options=_options(max_connections=1)) as demo:
        report = await diagnose("aep", **demo.settings(max_connections=3).model_dump())
    assert "sftp.concurrency_limited" in codes(report)
    assert facts(report, "sftp.files")["parallel_probe"]["succeeded"] == 1


@pytest.mark.parametrize("limit", [1, 2, 3])
async def test_probe_never_exceeds_max_connections(limit: int) -> None:
    async with DemoServer() as demo:
        report = await diagnose("aep", **demo.settings(max_connections=limit).model_dump())
        peak = demo.peak_connections
    assert report.verdict in (Verdict.PASS, Verdict.WARN), codes(report)
    assert peak == limit


async def test_hanging_server_is_a_check_timeout() -> None:
    async with DemoServer(options=_options(hang_realpath=".")) as demo:
        report = await diagnose(timeout=0.5, **demo.settings(folder="").model_dump())
    assert failing(report) == "check.timeout"
    assert report.root_cause is not None and report.root_cause.check == "sftp.folder"


async def test_bug_in_a_check_is_internal_error_not_a_crash(monkeypatch) -> None:
    async def broken(self, ctx):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(FolderCheck, "run", broken)
    async with DemoServer() as demo:
        report = await diagnose(**demo.settings().model_dump())
    assert failing(report) == "check.internal_error"
    assert report.verdict is Verdict.ERROR
    assert "ZeroDivisionError" in (report.result("sftp.folder").traceback or "")  # type: ignore[union-attr]
    assert status(report, "ssh.auth") == Status.PASS


async def test_binary_file_is_format_unknown() -> None:
    files = {"inbound/blob.csv": bytes(range(256)) * 64}
    async with DemoServer(options=_options(files=files)) as demo:
        report = await diagnose(**demo.settings().model_dump())
    assert failing(report) == "data.format_unknown"


async def test_method_not_offered_password_only_key_server() -> None:
    async with DemoServer(options=_options(auth_methods=("publickey",))) as demo:
        report = await diagnose(**demo.settings().model_dump())
    assert failing(report) == "auth.method_not_offered"


async def test_one_auth_attempt_per_method() -> None:
    attempts: list[tuple[str, str, bool]] = []
    opts = _options(on_auth=lambda m, u, ok: attempts.append((m, u, ok)))
    async with DemoServer(options=opts) as demo:
        report = await diagnose(**demo.settings(password="wrong-password-x").model_dump())
    assert failing(report) == "auth.password_rejected"
    assert [a[0] for a in attempts] == ["password"]


async def test_fifo_in_the_folder_is_reported_not_opened(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "inbound").mkdir(parents=True)
    (root / "inbound" / "a.csv").write_text("id,name\n1,x\n")
    os.mkfifo(root / "inbound" / "pipe.csv")
    async with DemoServer(root=root) as demo:  # aep reads the whole folder: the FIFO blocks it
        report = await diagnose("aep", **demo.settings().model_dump())
    assert failing(report) == "file.unreadable"
    assert report.result("sftp.folder").findings[0].evidence["files"] == ["/inbound/pipe.csv"]  # type: ignore[union-attr]
    assert status(report, "data.format") == Status.SKIP


async def test_channel_closed_before_the_subsystem_reply() -> None:
    """The session channel opens, then closes with no answer to the subsystem request: not a
    missing subsystem (nobody said so) but a session that ended, with its causes to check."""
    async with DemoServer(options=_options(close_on_subsystem=True)) as demo:
        report = await diagnose(**demo.settings().model_dump())
    assert status(report, "ssh.auth") is Status.PASS
    assert failing(report) == "sftp.session_closed", codes(report)
    session = report.result("sftp.session")
    assert session is not None
    evidence = session.findings[0].evidence
    assert evidence["stage"] == "closed_before_reply"
    assert evidence["likely_causes"] == ["command_missing", "nologin_shell", "chroot_ownership"]
    assert "sftp.subsystem_unavailable" not in codes(report)
    assert "closed the sftp session without answering" in session.findings[0].summary
