"""A server that lets the user in and then ends the session: each cause gets its own diagnosis.

All against OpenSSH's real sshd. The client cannot read sshd_config; it tells the cases apart by
what happened on the wire (evidence ``stage``), and orders the likely causes to match.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sourcedoctor.model import Report, Status
from tests.conftest import SshdFactory
from tests.fixtures.sshd import (
    CHROOT_USER,
    GROUP_WRITABLE_PARENT_CHROOT,
    NOLOGIN_USER,
    SFTP_SERVER,
    USER,
    USER_OWNED_CHROOT,
    chroot_match,
    force_command_match,
)
from tests.sftp.helpers import codes, diagnose, failing, sshd_values, status

pytestmark = pytest.mark.sshd


def _session_evidence(report: Report) -> dict[str, Any]:
    result = report.result("sftp.session")
    assert result is not None
    return dict(result.findings[0].evidence)


def _fix(report: Report) -> str:
    """The finding's fix steps as one text; the first one always sends the reader to sshd's log."""
    result = report.result("sftp.session")
    assert result is not None
    steps = [str(step) for step in result.findings[0].fix]
    assert "journalctl -u ssh" in steps[0]
    return "\n".join(steps)


@pytest.mark.parametrize("chroot", [USER_OWNED_CHROOT, GROUP_WRITABLE_PARENT_CHROOT],
                         ids=["owned-by-the-user", "group-writable-parent"])
async def test_a_bad_chroot_is_not_a_missing_subsystem(sshd_factory: SshdFactory,
                                                       chroot: Path) -> None:
    server = sshd_factory(match=[chroot_match(directory=chroot)])
    report = await diagnose(**sshd_values(server, user=CHROOT_USER, folder="inbound", file=None))
    assert status(report, "ssh.auth") == Status.PASS  # the login itself worked
    assert failing(report) == "sftp.session_closed", codes(report)
    evidence = _session_evidence(report)
    assert evidence["stage"] == "connection_closed"
    assert evidence["likely_causes"][0] == "chroot_ownership"
    assert "sftp.subsystem_unavailable" not in codes(report)
    assert "bad ownership or modes for chroot directory" in server.log_text()  # sshd agrees
    fix = _fix(report)  # the commands that confirm it on the server, for this user
    assert f"sshd -T -C user={CHROOT_USER} | grep -i chrootdirectory" in fix
    assert "namei -l DIR" in fix and "chown root:root DIR" in fix
    assert "enable" not in fix.lower()  # never "enable the SFTP subsystem"


async def test_force_command_to_a_missing_program(sshd_factory: SshdFactory) -> None:
    server = sshd_factory(match=[force_command_match("/usr/local/bin/no-such-sftp-server")])
    report = await diagnose(**sshd_values(server))
    assert failing(report) == "sftp.session_closed", codes(report)
    evidence = _session_evidence(report)
    assert evidence["stage"] == "exited"
    assert evidence["exit_status"] == 127
    assert evidence["likely_causes"][0] == "command_missing"
    fix = _fix(report)
    assert f"sshd -T -C user={USER} | grep -iE '^(forcecommand|subsystem|chrootdirectory)'" in fix
    assert "ForceCommand internal-sftp" in fix


async def test_nologin_shell_with_an_external_sftp_server(sshd_factory: SshdFactory) -> None:
    server = sshd_factory(options={"Subsystem": f"sftp {SFTP_SERVER}"})
    report = await diagnose(**sshd_values(server, user=NOLOGIN_USER))
    assert failing(report) == "sftp.session_closed", codes(report)
    evidence = _session_evidence(report)
    assert evidence["stage"] == "exited"
    assert evidence["exit_status"] == 1
    assert "not available" in evidence["output"]  # what nologin printed, shown as evidence
    assert evidence["likely_causes"][0] == "nologin_shell"
    assert "sftp.shell_noise" not in codes(report)  # text, but no SFTP server behind it
    fix = _fix(report)
    assert f"getent passwd {NOLOGIN_USER}" in fix
    assert f"sshd -T -C user={NOLOGIN_USER} | grep -i subsystem" in fix
    assert "Subsystem sftp internal-sftp" in fix


async def test_nologin_shell_with_internal_sftp_is_healthy(sshd_factory: SshdFactory) -> None:
    server = sshd_factory()  # internal-sftp never runs the login shell
    report = await diagnose(**sshd_values(server, user=NOLOGIN_USER))
    assert status(report, "sftp.session") == Status.PASS, codes(report)
    assert failing(report) is None


async def test_no_subsystem_line_is_still_subsystem_unavailable(sshd_factory: SshdFactory) -> None:
    server = sshd_factory(options={"Subsystem": None})
    report = await diagnose(**sshd_values(server))
    assert failing(report) == "sftp.subsystem_unavailable"
    assert _session_evidence(report)["stage"] == "subsystem_refused"


async def test_session_channel_refused(sshd_factory: SshdFactory) -> None:
    server = sshd_factory(options={"MaxSessions": "0"})
    report = await diagnose(**sshd_values(server))
    assert failing(report) == "sftp.channel_refused", codes(report)
    evidence = _session_evidence(report)
    assert evidence["stage"] == "channel_refused"
    assert evidence["channel_error"]["code"] == 2  # SSH_OPEN_CONNECT_FAILED, as OpenSSH sends it
