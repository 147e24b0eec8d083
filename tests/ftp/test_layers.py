"""The FTP connector against real pyftpdlib servers: one healthy control per TLS mode, and every
ftp.* fault driven for real (server settings, not fakes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sourcedoctor.model import Severity
from tests.fixtures.ftpd import FtpServer
from tests.fixtures.tls import Certificates
from tests.ftp.conftest import CSV_2024
from tests.ftp.helpers import codes, run_plan, settings_for, statuses

Ftpd = Callable[..., FtpServer]


def _tls(certs: Certificates) -> dict[str, str]:
    return {"ca_bundle": str(certs.ca_pem)}


@pytest.mark.parametrize("mode", ["plain", "explicit", "implicit"])
async def test_healthy_server_reads_the_folder_with_no_false_alarm(ftpd: Ftpd, certs: Certificates,
                                                                   mode: str) -> None:
    server = ftpd(mode)
    report, state = await run_plan(settings_for(server, **(_tls(certs) if mode != "plain" else {})))
    found = codes(report)
    # Plain FTP carries exactly one documented warning: everything travels in clear text.
    assert set(found) == ({"ftp.plaintext"} if mode == "plain" else set()), found
    assert all(s in ("PASS", "WARN") for s in statuses(report).values()), statuses(report)
    assert report.verdict.value in ("pass", "warn")
    assert sorted(e.path for e in state.files) == ["in/daily/2024.csv", "in/sales.csv"]
    assert state.heads["in/sales.csv"].startswith(b"id,name,amount")
    assert [s.format for s in state.samples] == ["csv", "csv"]
    assert server.wrote == []  # read-only: no STOR/DELE/MKD …
    assert "RETR" in server.commands and server.commands.count("PASS") == 1


async def test_ssh_on_the_port_is_an_sftp_server() -> None:
    from tests.fixtures import embedded

    with embedded.ThreadedServer(embedded.DemoServer()) as ssh:  # type: ignore[attr-defined]
        peer = type("Peer", (), {"host": "127.0.0.1", "port": ssh.port})()
        report, _ = await run_plan(settings_for(peer))
    finding = codes(report)["ftp.is_sftp"]
    assert finding.evidence["ssh_banner"].startswith("SSH-2.0-")
    assert any("sftp://reader@127.0.0.1" in step for step in map(str, finding.fix))
    assert report.root_cause is not None and report.root_cause.code == "ftp.is_sftp"


async def test_auth_tls_refused_is_tls_unavailable(ftpd: Ftpd, certs: Certificates) -> None:
    server = ftpd("plain")
    report, _ = await run_plan(settings_for(server, scheme="ftps", **_tls(certs)))
    finding = codes(report)["ftp.tls_unavailable"]
    assert finding.evidence["command"] == "AUTH TLS" and "500" in finding.evidence["reply"]
    assert statuses(report)["ftp.login"] == "SKIP"  # no login over a connection we wanted encrypted
    assert "PASS" not in server.commands


async def test_plain_login_to_tls_only_server_is_tls_required(ftpd: Ftpd) -> None:
    server = ftpd("explicit", tls_control_required=True)
    report, _ = await run_plan(settings_for(server, scheme="ftp"))
    finding = codes(report)["ftp.tls_required"]
    assert "TLS required" in finding.evidence["reply"]
    assert any("ftps://reader@127.0.0.1" in str(step) for step in finding.fix)
    assert "PASS" not in server.commands  # the password never crossed in clear


@pytest.mark.parametrize(("kind", "code"), [("unknown_ca", "tls.untrusted"), ("expired", "tls.expired"),
                                            ("wrong_host", "tls.hostname_mismatch")])
@pytest.mark.parametrize("mode", ["explicit", "implicit"])
async def test_certificate_faults_through_the_shared_tls_layer(ftpd: Ftpd, certs: Certificates,
                                                               kind: str, code: str, mode: str) -> None:
    server = ftpd(mode, cert_kind=kind)
    report, _ = await run_plan(settings_for(server, **_tls(certs)))
    assert code in codes(report), codes(report)
    assert statuses(report)["ftp.login"] == "SKIP"
    assert "USER" not in server.commands
    if code == "tls.untrusted":  # the inspect command must start TLS the way the port does
        inspect = [step for step in codes(report)[code].fix if "s_client" in step]
        assert inspect and all(("-starttls ftp" in step) == (mode == "explicit") for step in inspect)


async def test_wrong_password_is_login_failed_after_one_attempt(ftpd: Ftpd, certs: Certificates) -> None:
    server = ftpd("explicit")
    report, _ = await run_plan(settings_for(server, password="wrong-password", **_tls(certs)))
    finding = codes(report)["ftp.login_failed"]
    assert finding.evidence["reply_code"] == 530 and finding.evidence["command"] == "PASS"
    assert server.commands.count("PASS") == 1 and server.commands.count("USER") == 1
    assert "wrong-password" not in str(report)


async def test_missing_password_sends_nothing(ftpd: Ftpd) -> None:
    server = ftpd("plain")
    report, _ = await run_plan(settings_for(server, password=None))
    assert "auth.no_credentials" in codes(report)
    assert "USER" not in server.commands


async def test_clear_data_connections_refused_is_data_tls_required(ftpd: Ftpd, certs: Certificates) -> None:
    server = ftpd("explicit", tls_data_required=True)
    report, _ = await run_plan(settings_for(server, data_protection="clear", **_tls(certs)))
    finding = codes(report)["ftp.data_tls_required"]
    assert "data channel" in finding.evidence["reply"]
    assert any("PROT P" in str(step) for step in finding.fix)
    # The default (PROT P) reads the same server.
    healthy, _ = await run_plan(settings_for(server, **_tls(certs)))
    assert healthy.verdict.value == "pass", codes(healthy)


async def test_private_masquerade_address_is_passive_address(ftpd: Ftpd) -> None:
    server = ftpd("plain", masquerade="10.20.30.40")
    report, state = await run_plan(settings_for(server))
    finding = codes(report)["ftp.passive_address"]
    assert finding.evidence["advertised"] == "10.20.30.40"
    assert finding.evidence["advertised_scope"] == "private"
    assert finding.severity is Severity.WARN  # this reader substitutes the control address
    assert any("pasv_address=127.0.0.1" in str(step) for step in finding.fix)
    assert state.heads  # and reads on
    cloud, _ = await run_plan(settings_for(server), target="aep")
    assert codes(cloud)["ftp.passive_address"].severity is Severity.FAIL


async def test_passive_port_nothing_answers_on_is_data_channel_blocked(ftpd: Ftpd) -> None:
    server = ftpd("plain", faults=("closed_passive_port",))
    report, _ = await run_plan(settings_for(server))
    finding = codes(report)["ftp.data_channel_blocked"]
    assert finding.evidence["result"] == "refused"
    port = finding.evidence["data_port"]
    assert any(f"{port}" in str(step) for step in finding.fix)
    assert report.root_cause is not None and report.root_cause.code == "ftp.data_channel_blocked"
    assert statuses(report)["ftp.listing"] == "SKIP"


async def test_passive_port_that_drops_the_connection_times_out(ftpd: Ftpd) -> None:
    server = ftpd("plain", faults=("silent_passive_port",))
    report, _ = await run_plan(settings_for(server), timeout=1.0)
    finding = codes(report)["ftp.data_channel_blocked"]
    assert finding.evidence["result"] == "timeout"
    assert "did not answer within 1 s" in finding.summary


async def test_passive_mode_refused_is_passive_unsupported(ftpd: Ftpd) -> None:
    server = ftpd("plain", faults=("no_passive",))
    report, _ = await run_plan(settings_for(server))
    finding = codes(report)["ftp.passive_unsupported"]
    assert set(finding.evidence["replies"]) == {"PASV", "EPSV"}


async def test_connection_limit_is_greeting_refused(ftpd: Ftpd) -> None:
    import socket

    server = ftpd("plain", max_cons=1)
    with socket.create_connection((server.host, server.port)) as hog:
        hog.recv(100)  # the one allowed session is taken
        report, _ = await run_plan(settings_for(server))
    finding = codes(report)["ftp.greeting_refused"]
    assert finding.evidence["reply"][0].startswith("421")


async def test_rest_refused_is_rest_unsupported_warning(ftpd: Ftpd) -> None:
    server = ftpd("plain", faults=("no_rest",))
    report, state = await run_plan(settings_for(server))
    finding = codes(report)["ftp.rest_unsupported"]
    assert finding.severity is Severity.WARN and "502" in finding.evidence["reply"]
    assert state.samples  # heads need no REST: sampling goes on


async def test_list_fallback_when_mlsd_is_not_implemented(ftpd: Ftpd) -> None:
    server = ftpd("plain", faults=("no_mlsd",))
    report, state = await run_plan(settings_for(server))
    listing = next(c for c in report.checks if c.check_id == "ftp.listing")
    assert listing.facts["command"] == "LIST"
    assert sorted(e.path for e in state.files) == ["in/daily/2024.csv", "in/sales.csv"]
    assert state.files[0].size == len(CSV_2024)  # sizes read from the Unix-style LIST lines


@pytest.mark.parametrize(("folder", "code"), [("nowhere", "path.not_found"),
                                              ("a_file.csv", "path.not_a_directory"),
                                              ("locked", "path.permission_denied"),
                                              ("empty", "path.empty")])
async def test_folder_faults_reuse_the_path_codes(ftpd: Ftpd, ftp_root: Path, folder: str,
                                                  code: str) -> None:
    server = ftpd("plain")
    server.override_perm(ftp_root / "locked", "")
    report, _ = await run_plan(settings_for(server, folder=folder))
    assert code in codes(report), codes(report)
    assert server.wrote == []


@pytest.mark.parametrize(("folder", "code", "who"), [
    ("nowhere", "path.not_found", "you (the person setting up the connection)"),
    ("a_file.csv", "path.not_a_directory", "you (the person setting up the connection)"),
    ("locked", "path.permission_denied", "the FTP server's administrator"),
    ("empty", "path.empty", "whoever produces the files")])
async def test_path_findings_address_who_acts_on_them(ftpd: Ftpd, ftp_root: Path, folder: str,
                                                      code: str, who: str) -> None:
    server = ftpd("plain")
    server.override_perm(ftp_root / "locked", "")
    report, _ = await run_plan(settings_for(server, folder=folder))
    finding = codes(report)[code]
    assert finding.audience == who
    if code == "path.empty":  # like S3/Blob: a command that lists what is there
        assert any(f"curl --user reader ftp://{server.host}:{server.port}/empty/" in step
                   for step in finding.fix), finding.fix
    if code == "path.not_a_directory":  # the way out is the folder + --file, as for Blob/S3
        assert any(f"ftp://reader@{server.host}:{server.port} --file a_file.csv" in step
                   for step in finding.fix), finding.fix


async def test_wrong_password_is_the_users_to_fix(ftpd: Ftpd) -> None:
    server = ftpd("plain")
    report, _ = await run_plan(settings_for(server, password="wrong-password"))
    assert codes(report)["ftp.login_failed"].audience.startswith("you")


async def test_no_user_refused_as_anonymous_says_so(ftpd: Ftpd) -> None:
    from sourcedoctor.connectors import get

    server = ftpd("plain")  # the test server has no anonymous account: 530
    s = get("ftp").settings(f"ftp://{server.host}:{server.port}/in")
    report, _ = await run_plan(s)  # type: ignore[arg-type]
    finding = codes(report)["ftp.login_failed"]
    assert "no user was given" in finding.summary and "anonymous" in finding.summary
    assert finding.evidence["anonymous"] is True
    assert any(f"ftp://USER@{server.host}:{server.port}/in" in step for step in finding.fix)
    assert not any("Check the user name (anonymous)" in step for step in finding.fix)


@pytest.mark.parametrize("mode", ["plain", "explicit"])
async def test_implicit_tls_on_a_plain_ftp_port_says_use_explicit(ftpd: Ftpd, certs: Certificates,
                                                                  mode: str) -> None:
    server = ftpd(mode)
    report, _ = await run_plan(settings_for(server, scheme="ftps+implicit", **_tls(certs)))
    assert report.root_cause is not None and report.root_cause.code == "ftp.not_implicit_tls"
    finding = codes(report)["ftp.not_implicit_tls"]
    assert finding.evidence["greeting"].startswith("220")
    assert finding.audience.startswith("you")
    assert any(f"ftps://reader@{server.host}:{server.port}/in" in step for step in finding.fix)
    assert not any("https://" in step for step in finding.fix)


async def test_implicit_tls_against_an_ssh_port_is_an_sftp_server() -> None:
    from tests.fixtures import embedded

    with embedded.ThreadedServer(embedded.DemoServer()) as ssh:  # type: ignore[attr-defined]
        peer = type("Peer", (), {"host": "127.0.0.1", "port": ssh.port})()
        report, _ = await run_plan(settings_for(peer, scheme="ftps+implicit"))
    assert report.root_cause is not None and report.root_cause.code == "ftp.is_sftp"
    assert codes(report)["ftp.is_sftp"].evidence["ssh_banner"].startswith("SSH-2.0-")


async def test_plaintext_fix_keeps_the_users_port(ftpd: Ftpd) -> None:
    server = ftpd("plain")  # pyftpdlib on a random port, never 21
    report, _ = await run_plan(settings_for(server))
    finding = codes(report)["ftp.plaintext"]
    assert any(f"ftps://{server.host}:{server.port}" in step for step in finding.fix), finding.fix
    assert not any("port 21)" in step for step in finding.fix)
