"""Sample reports built from plain data: the docs' samples and the writers' golden tests use them.

Times and versions are fixed so that everything rendered from them is byte-for-byte reproducible.
The values are realistic (taken from runs against OpenSSH 9.2 on loopback, host names changed).
"""

from __future__ import annotations

from ..codes import make_finding
from ..model import CheckResult, Report, Status, Verdict, find_root_cause

TOOL = {
    "sourcedoctor": "0.1.0",
    "python": "3.11.7",
    "asyncssh": "2.24.0",
    "cryptography": "44.0.0",
    "dnspython": "2.7.0",
    "duckdb": "1.1.3",
    "paramiko": "3.5.0",
    "platform": "Linux-6.1.0-28-amd64-x86_64-with-glibc2.36",
}
STARTED = "2025-01-15T09:30:00+00:00"
HOST_KEY_SHA256 = "SHA256:pQ3v0cWq1Ewm8n2y5cO0M9Hkq7m9bV1l7bW2t0hH3ZI"
HOST_KEY_SHA256_NEW = "SHA256:Z8k3d1xNwq2F0LrTgS6bYpH9mJc4Vt7eQa1uXo5iKdE"
TRANSCRIPT = [
    "+      0 ms [dns] query A sftp.example.com via 10.20.0.53:53",
    "+     12 ms [dns] answer A 203.0.113.10 (ttl 300)",
    "+     14 ms [tcp] connect 203.0.113.10:22",
    "+     17 ms [tcp] connected in 3 ms",
    "+     21 ms [banner] server: SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
    "+     22 ms [kex] server kex: sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
    "ecdh-sha2-nistp256",
    "+     22 ms [kex] server host-key: rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
    "+     22 ms [kex] server ciphers: chacha20-poly1305@openssh.com,aes128-ctr,"
    "aes256-gcm@openssh.com",
    "+     31 ms [kex] chosen: curve25519-sha256 / ssh-ed25519 / chacha20-poly1305@openssh.com",
    f"+     31 ms [hostkey] ssh-ed25519 {HOST_KEY_SHA256}",
    "+     40 ms [auth] none -> allowed: publickey,password",
]


def _settings(*, user: str = "ingest", folder: str = "inbound/daily", profile: str = "generic",
              password: bool = True) -> dict[str, object]:
    return {
        "connector": "sftp",
        "profile": profile,
        "url": f"sftp://{user}@sftp.example.com:22/{folder}",
        "host": "sftp.example.com",
        "port": 22,
        "user": user,
        "password": "set" if password else None,
        "key_path": None if password else "/home/ops/.ssh/ingest_ed25519",
        "key_content": None,
        "passphrase": None,
        "folder": folder,
        "max_connections": 3,
        "known_hosts": "/home/ops/.ssh/known_hosts",
        "host_key_fingerprint": None,
        "accept_new": False,
        "resolver": "10.20.0.53",
        "max_entries": 10000,
        "sample_files": 3,
        "head_bytes": 1048576,
        "file": None,
    }


def _early_layers(host_key: str = HOST_KEY_SHA256) -> list[CheckResult]:
    return [
        CheckResult("config.settings", "Connection settings", Status.PASS, 0),
        CheckResult("dns.resolve", "DNS resolution", Status.PASS, 12,
                    facts={"resolver": "10.20.0.53", "addresses": ["203.0.113.10"],
                           "cname_chain": []}),
        CheckResult("tcp.connect", "TCP connection", Status.PASS, 3,
                    facts={"connected": {"203.0.113.10:22": 3}}),
        CheckResult("ssh.banner", "SSH identification", Status.PASS, 4,
                    facts={"banner": "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
                           "software": "OpenSSH 9.2p1"}),
        CheckResult("ssh.transport", "Key exchange and host key", Status.PASS, 10,
                    facts={"kex": "curve25519-sha256", "host_key_algorithm": "ssh-ed25519",
                           "cipher": "chacha20-poly1305@openssh.com",
                           "host_key_sha256": host_key}),
    ]


def passing_report() -> Report:
    """A healthy source: every layer passes, a CSV sample was read."""
    checks = (
        *_early_layers(),
        CheckResult("ssh.auth", "Authentication", Status.PASS, 38,
                    facts={"methods_allowed": ["publickey", "password"],
                           "method_used": "password"}),
        CheckResult("sftp.session", "SFTP subsystem", Status.PASS, 6,
                    facts={"sftp_version": 3, "extensions": ["posix-rename@openssh.com",
                                                             "statvfs@openssh.com"]}),
        CheckResult("sftp.folder", "Folder", Status.PASS, 5,
                    facts={"resolved": "/home/ingest/inbound/daily", "entries": 14, "files": 12}),
        CheckResult("sftp.files", "Reading files", Status.PASS, 9,
                    facts={"opened": ["orders_20250114.csv", "orders_20250113.csv"],
                           "head_bytes_read": 65536}),
        CheckResult("data.sample", "Sample data", Status.PASS, 21,
                    facts={"format": "csv", "encoding": "utf-8", "delimiter": ",",
                           "columns": 7, "rows_sampled": 500}),
    )
    return Report(
        schema="sourcedoctor.report/1", tool=TOOL, target=_settings(), started_at=STARTED,
        duration_ms=131, verdict=Verdict.from_results(checks), root_cause=find_root_cause(checks),
        checks=checks,
        command="sourcedoctor check sftp://ingest@sftp.example.com:22/inbound/daily "
                "--password-env SFTP_PASSWORD --resolver 10.20.0.53",
        extras={"transcript": [*TRANSCRIPT, "+     71 ms [auth] password accepted",
                               "+     78 ms [sftp] version 3",
                               "+     83 ms [sftp] realpath inbound/daily -> "
                               "/home/ingest/inbound/daily",
                               "+     88 ms [sftp] opendir: 14 entries"]},
    )


def failing_report(host_key: str = HOST_KEY_SHA256) -> Report:
    """Key accepted by nobody: the server allows only publickey, a warning on the host key."""
    unknown = make_finding(
        "ssh.hostkey_unknown",
        "The server's host key is not in /home/ops/.ssh/known_hosts",
        evidence={"algorithm": "ssh-ed25519", "sha256": host_key,
                  "md5": "MD5:3e:7a:1c:90:44:5b:d2:0f:8e:61:aa:09:c4:77:2b:15",
                  "known_hosts_line": "sftp.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH"
                                      "x0x3v8Ho6Qd3Zb7n0k2cYtJ7cF0kM1sQm1o9pB5aQ2dK"},
        fix=["Confirm the fingerprint with the server's administrator (ssh-keygen -lf "
             "/etc/ssh/ssh_host_ed25519_key.pub on the server).",
             "Then pin it: sourcedoctor check ... --host-key-fingerprint " + host_key],
    )
    early = _early_layers(host_key)
    transport = early[-1]
    early[-1] = CheckResult(transport.check_id, transport.title, Status.WARN, transport.duration_ms,
                            (unknown,), transport.facts)
    rejected = make_finding(
        "auth.method_not_offered",
        "The server does not allow password logins for ingest; it allows only publickey",
        evidence={"methods_allowed": ["publickey"], "methods_tried": ["password"],
                  "server_message": "Permission denied (publickey)."},
        fix=["Give the key the server expects: --key ~/.ssh/ingest_ed25519",
             "Or ask the server's administrator to enable PasswordAuthentication for ingest "
             "(Match User ingest / PasswordAuthentication yes in sshd_config)."],
    )
    checks = (
        *early,
        CheckResult("ssh.auth", "Authentication", Status.FAIL, 41, (rejected,),
                    facts={"methods_allowed": ["publickey"]}),
        CheckResult("sftp.session", "SFTP subsystem", Status.SKIP, blocked_by="ssh.auth"),
        CheckResult("sftp.folder", "Folder", Status.SKIP, blocked_by="ssh.auth"),
        CheckResult("sftp.files", "Reading files", Status.SKIP, blocked_by="ssh.auth"),
        CheckResult("data.sample", "Sample data", Status.SKIP, blocked_by="ssh.auth"),
    )
    return Report(
        schema="sourcedoctor.report/1", tool=TOOL, target=_settings(), started_at=STARTED,
        duration_ms=86, verdict=Verdict.from_results(checks), root_cause=find_root_cause(checks),
        checks=checks,
        command="sourcedoctor check sftp://ingest@sftp.example.com:22/inbound/daily "
                "--password-env SFTP_PASSWORD --resolver 10.20.0.53",
        extras={"transcript": [*TRANSCRIPT, "+     79 ms [auth] password: method not allowed",
                               "+     80 ms [auth] server says: Permission denied (publickey)."]},
    )


TRACEBACK = """Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/sourcedoctor/runner.py", line 176, in _execute
    outcome = await check.run(self.ctx)
  File "/usr/lib/python3/dist-packages/sourcedoctor/checks/sftp_fs.py", line 88, in run
    first = listing.entries[0]
IndexError: list index out of range
"""


def internal_error_report() -> Report:
    """A crash inside a check: ERROR verdict, traceback kept for the maintainers."""
    crash = make_finding(
        "check.internal_error",
        "Folder crashed: IndexError: list index out of range",
        evidence={"exception": "IndexError: list index out of range", "traceback_id": "5f0c2a9e41"},
        traceback_id="5f0c2a9e41",
    )
    checks = (
        *_early_layers(),
        CheckResult("ssh.auth", "Authentication", Status.PASS, 35,
                    facts={"methods_allowed": ["publickey", "password"],
                           "method_used": "publickey"}),
        CheckResult("sftp.session", "SFTP subsystem", Status.PASS, 6, facts={"sftp_version": 3}),
        CheckResult("sftp.folder", "Folder", Status.ERROR, 2, (crash,), traceback=TRACEBACK),
        CheckResult("sftp.files", "Reading files", Status.SKIP, blocked_by="sftp.folder"),
        CheckResult("data.sample", "Sample data", Status.SKIP, blocked_by="sftp.folder"),
    )
    return Report(
        schema="sourcedoctor.report/1", tool=TOOL,
        target=_settings(user="ingest", password=False), started_at=STARTED,
        duration_ms=77, verdict=Verdict.from_results(checks), root_cause=find_root_cause(checks),
        checks=checks,
        command="sourcedoctor check sftp://ingest@sftp.example.com:22/inbound/daily "
                "--key /home/ops/.ssh/ingest_ed25519 --resolver 10.20.0.53",
        extras={"transcript": TRANSCRIPT},
    )
