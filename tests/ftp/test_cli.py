"""``sourcedoctor check|preview|ingest ftp://…`` as a user runs them (subprocesses) against
pyftpdlib: the scheme picks the connector, the password comes from the environment and never
shows in any output; ftplib is imported only when an FTP run reaches the login layer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

from tests.fixtures.ftpd import PASSWORD, USER, FtpServer
from tests.fixtures.tls import Certificates

Ftpd = Callable[..., FtpServer]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "150", **(env or {})}
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=full,
                          timeout=120, check=False, stdin=subprocess.DEVNULL)


def url(server: FtpServer, scheme: str = "ftp", folder: str = "in") -> str:
    return f"{scheme}://{USER}@{server.host}:{server.port}/{folder}"


def test_check_json_healthy_ftps_exit_0_and_password_nowhere(ftpd: Ftpd, certs: Certificates) -> None:
    server = ftpd("explicit")
    proc = run("check", url(server, "ftps"), "--password-env", "FTP_PW", "--ca-bundle",
               str(certs.ca_pem), "--format", "json", env={"FTP_PW": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["verdict"] == "pass" and report["root_cause"] is None
    assert report["target"]["connector"] == "ftp" and report["target"]["tls_mode"] == "explicit"
    assert report["target"]["password"] == "set"
    assert PASSWORD not in proc.stdout and PASSWORD not in proc.stderr
    assert "--password-env FTP_PW" in report["command"]  # the variable this command line named
    assert server.wrote == []


def test_check_plain_ftp_warns_once_and_wrong_password_fails(ftpd: Ftpd) -> None:
    server = ftpd("plain")
    ok = run("check", url(server), "--password-env", "FTP_PW", "--format", "json",
             env={"FTP_PW": PASSWORD})
    report = json.loads(ok.stdout)
    assert report["verdict"] == "warn", ok.stderr
    assert [f["code"] for c in report["checks"] for f in c["findings"]] == ["ftp.plaintext"]
    bad = run("check", url(server), "--password-env", "FTP_PW", "--format", "json",
              env={"FTP_PW": "not-the-password"})
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["root_cause"]["code"] == "ftp.login_failed"
    assert "not-the-password" not in bad.stdout + bad.stderr


def test_password_never_from_argv_and_nul_in_url_is_usage(ftpd: Ftpd) -> None:
    server = ftpd("plain")
    proc = run("check", url(server), "--password", PASSWORD)
    assert proc.returncode == 2  # no such option: a secret cannot be typed on the command line
    nul = run("check", url(server, folder="in%00x").replace("%00", "\x01"), "--format", "json")
    assert nul.returncode == 2 and "url" in nul.stderr and "Traceback" not in nul.stderr


def test_preview_reads_the_csv_through_ranged_reads(ftpd: Ftpd) -> None:
    server = ftpd("plain")
    proc = run("preview", url(server), "--password-env", "FTP_PW", "--file", "sales.csv",
               "--format", "json", env={"FTP_PW": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    text = json.dumps(json.loads(proc.stdout))
    assert "alpha" in text and "gamma" in text
    assert PASSWORD not in proc.stdout + proc.stderr
    assert server.wrote == []


def test_ingest_lands_the_files_in_the_lake(ftpd: Ftpd, tmp_path: Path) -> None:
    server = ftpd("plain")
    lake = tmp_path / "lake.duckdb"
    proc = run("ingest", url(server), "--password-env", "FTP_PW", "--dataset", "sales",
               "--lake", str(lake), "--format", "json", env={"FTP_PW": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(lake), read_only=True)
    names = sorted(r[0] for r in con.execute("SELECT name FROM sales").fetchall())
    con.close()
    assert names == ["alpha", "beta", "gamma"]  # in/sales.csv: ingest takes the folder's own files
    assert server.wrote == []


def test_sftp_check_against_an_ftp_server_names_ftp(ftpd: Ftpd) -> None:
    server = ftpd("plain")
    proc = run("check", f"sftp://{USER}@{server.host}:{server.port}/in", "--format", "json",
               "--no-prompt", "--timeout", "2")
    report = json.loads(proc.stdout)
    root = report["root_cause"]
    assert root["code"] == "ssh.not_ssh", root
    assert "FTP" in root["summary"]
    # The fix gives the FTP connector's command for this very server, and the SFTP way out.
    assert any(f"sourcedoctor check ftp://{USER}@{server.host}:{server.port}/in" in step
               for step in root["fix"]), root["fix"]
    assert any("usually 22" in step for step in root["fix"]), root["fix"]


def test_sftp_check_and_help_do_not_import_ftplib() -> None:
    code = (
        "import sys\n"
        "from sourcedoctor import connectors\n"
        "from sourcedoctor.targets import GENERIC\n"
        "ftp = connectors.for_url('ftps://u@h/in')\n"
        "ftp.plan(ftp.settings('ftps://u@h/in'), GENERIC)\n"
        "connectors.get('sftp').plan\n"
        "from sourcedoctor.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', sorted(m for m in ('ftplib', 'pyftpdlib') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "MODULES []" in proc.stdout, proc.stdout + proc.stderr


def test_ingest_labels_files_by_their_url_and_a_refused_one_gives_a_working_preview(
        tmp_path: Path) -> None:
    # A root of this test's own: in/u16.csv is UTF-16, which the lake refuses.
    root = tmp_path / "root"
    (root / "in").mkdir(parents=True)
    (root / "in" / "ok.csv").write_bytes(b"id,name\n1,alpha\n")
    server = FtpServer(root, mode="plain").start()
    try:
        env = {"FTP_PW": PASSWORD}
        proc = run("ingest", url(server), "--password-env", "FTP_PW", "--dataset", "qa",
                   "--lake", str(tmp_path / "lake.duckdb"), "--format", "json", env=env)
        assert proc.returncode == 0, proc.stderr
        # The folder URL + the file's name, not /in/in/ok.csv (the listing's path is absolute).
        assert [f["file"] for f in json.loads(proc.stdout)["files"]] == [f"{url(server)}/ok.csv"]
        (root / "in" / "ok.csv").unlink()
        (root / "in" / "u16.csv").write_bytes("id,name\n1,ålpha\n".encode("utf-16"))
        refused = run("ingest", url(server), "--password-env", "FTP_PW", "--dataset", "qa",
                      "--lake", str(tmp_path / "lake.duckdb"), "--format", "json", env=env)
        assert refused.returncode == 1, refused.stderr
        answer = json.loads(refused.stdout)
        assert answer["refused"] == f"{url(server)}/u16.csv"
        command = answer["preview_command"]
        assert command.startswith(f"sourcedoctor preview {url(server)} ")
        assert "--password-env " in command and "--file u16.csv" in command
        preview = run(*command.split()[1:], "--format", "json",
                      env={"FTP_PASSWORD": PASSWORD, **env})
        assert preview.returncode in (0, 1) and "Traceback" not in preview.stderr
        assert "u16.csv" in preview.stdout and "utf-16" in preview.stdout, preview.stderr
    finally:
        server.stop()


def test_sftp_check_against_an_ftp_server_does_not_wait_for_the_timeout(ftpd: Ftpd) -> None:
    import time

    server = ftpd("plain")
    t0 = time.monotonic()
    proc = run("check", f"sftp://{USER}@{server.host}:{server.port}/in", "--format", "json",
               "--no-prompt", "--timeout", "10")
    elapsed = time.monotonic() - t0
    assert json.loads(proc.stdout)["root_cause"]["code"] == "ssh.not_ssh"
    banner = next(c for c in json.loads(proc.stdout)["checks"] if c["id"] == "ssh.banner")
    # The 220 greeting is a whole non-SSH line: the banner layer ends at once, not after 10 s.
    assert banner["duration_ms"] < 2000, banner
    assert elapsed < 8, elapsed
