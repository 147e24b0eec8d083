"""Self-tests: every fixture in tests/fixtures is a real, working peer (and stops cleanly)."""

from __future__ import annotations

import errno
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import asyncssh
import dns.message
import dns.query
import dns.rcode
import pytest

from tests.conftest import Peers, SshdFactory
from tests.fixtures import tcp_listening
from tests.fixtures.dnsmasq import DnsmasqServer
from tests.fixtures.keys import KeyFiles, fingerprint, make_ppk, public_line_fingerprint
from tests.fixtures.netns import FilteredHost, RouteKind, UnreachableHost
from tests.fixtures.peers import FTP_GREETING, HTTP_REPLY, TLS_ALERT, SilentDns
from tests.fixtures.sshd import (
    CUSTOMERS_CSV,
    NOISE_TEXT,
    ORDERS_CSV,
    TEST_PASSWORD,
    SshdError,
    SshdServer,
    chroot_match,
    ensure_test_users,
    md5_fingerprint,
    sha256_fingerprint,
)
from tests.support import require_binary

pytestmark = pytest.mark.timeout(60)


def _connect(
    server: SshdServer, username: str = "sdtest", **kw: object
) -> asyncssh.SSHClientConnection:
    """Connect with no agent, no default keys and no host key check unless ``kw`` says so."""
    options: dict[str, object] = {"known_hosts": None, "client_keys": None, "agent_path": None}
    options.update(kw)
    return asyncssh.connect(server.host, server.port, username=username, **options)  # type: ignore[return-value]


# --- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_type", "fmt", "header"),
    [
        ("ed25519", "openssh", "BEGIN OPENSSH PRIVATE KEY"),
        ("ecdsa", "openssh", "BEGIN OPENSSH PRIVATE KEY"),
        ("rsa", "pem", "BEGIN RSA PRIVATE KEY"),
        ("rsa", "pkcs8", "BEGIN PRIVATE KEY"),
        ("ecdsa", "pem", "BEGIN EC PRIVATE KEY"),
        ("dsa", "openssh", "BEGIN OPENSSH PRIVATE KEY"),
    ],
)
def test_make_key_writes_the_format_asked(
    keygen: Callable[..., KeyFiles], key_type: str, fmt: str, header: str
) -> None:
    key = keygen(type=key_type, fmt=fmt, bits=2048 if key_type == "rsa" else None)
    assert header in key.private.read_text()
    assert key.private.stat().st_mode & 0o077 == 0
    algorithm = asyncssh.import_private_key(key.private.read_bytes()).get_algorithm()
    assert key.public_line.split()[0] == algorithm
    assert key.public_line.endswith("sourcedoctor-test")


def test_encrypted_key_needs_its_passphrase(keygen: Callable[..., KeyFiles]) -> None:
    key = keygen(type="ed25519", passphrase="open sesame")
    with pytest.raises(asyncssh.KeyImportError):
        asyncssh.import_private_key(key.private.read_bytes())
    assert asyncssh.import_private_key(key.private.read_bytes(), "open sesame")


@pytest.mark.parametrize("version", [2, 3])
def test_make_ppk_round_trips_through_puttygen(
    keygen: Callable[..., KeyFiles], tmp_path: Path, version: int
) -> None:
    key = keygen(type="ed25519")
    ppk = make_ppk(key.private, tmp_path / "k.ppk", version=version, passphrase="pp-secret")  # type: ignore[arg-type]
    text = ppk.read_text()
    assert text.startswith(f"PuTTY-User-Key-File-{version}: ssh-ed25519")
    assert "Encryption: aes256-cbc" in text
    passfile = tmp_path / "pass"
    passfile.write_text("pp-secret\n")
    shown = subprocess.run(
        [require_binary("puttygen"), str(ppk), "-L", "--old-passphrase", str(passfile)],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout
    assert shown.split()[:2] == key.public_line.split()[:2]


def test_fingerprint_helpers_agree_with_ssh_keygen(keygen: Callable[..., KeyFiles]) -> None:
    key = keygen(type="rsa", bits=2048)
    assert fingerprint(key.public) == sha256_fingerprint(key.public_line)
    assert public_line_fingerprint(key.public_line) == sha256_fingerprint(key.public_line)
    assert fingerprint(key.public, "md5") == md5_fingerprint(key.public_line)


# --- sshd -------------------------------------------------------------------------------------


async def test_sshd_password_login_lists_data(sshd: SshdServer) -> None:
    async with _connect(sshd, password=TEST_PASSWORD) as conn, conn.start_sftp_client() as sftp:
        names = set(await sftp.listdir("data"))
        assert {"customers.csv", "empty.csv", "unreadable.csv", "locked"} <= names
        async with sftp.open("data/customers.csv") as fh:
            assert await fh.read() == CUSTOMERS_CSV
        assert (await sftp.stat("data/empty.csv")).size == 0
        # The session runs as sdtest, so mode 000 really denies.
        with pytest.raises(asyncssh.SFTPPermissionDenied):
            await sftp.open("data/unreadable.csv")
        with pytest.raises(asyncssh.SFTPPermissionDenied):
            await sftp.listdir("data/locked")


async def test_sshd_wrong_password_is_rejected(sshd: SshdServer) -> None:
    with pytest.raises(asyncssh.PermissionDenied):
        async with _connect(sshd, password="not-the-password"):
            pass


async def test_sshd_key_auth_only_after_authorize(
    sshd: SshdServer, keygen: Callable[..., KeyFiles]
) -> None:
    key = keygen(type="ed25519")
    with pytest.raises(asyncssh.PermissionDenied):
        async with _connect(sshd, client_keys=[str(key.private)]):
            pass
    sshd.authorize("sdtest", key.public_line)
    async with _connect(sshd, client_keys=[str(key.private)]) as conn:
        result = await conn.run("id -un", check=True)
        assert str(result.stdout).strip() == "sdtest"


async def test_sshd_known_hosts_and_fingerprints(sshd: SshdServer, tmp_path: Path) -> None:
    known = sshd.write_known_hosts(tmp_path / "known_hosts")
    assert known.read_text().startswith(f"[127.0.0.1]:{sshd.port} ssh-ed25519 ")
    assert set(sshd.fingerprints) == {"ssh-ed25519", "ssh-rsa"}
    assert fingerprint(known) == sshd.fingerprints["ssh-ed25519"]
    async with _connect(sshd, password=TEST_PASSWORD, known_hosts=str(known)) as conn:
        server_key = conn.get_server_host_key()
        assert server_key is not None
        seen = sha256_fingerprint(server_key.export_public_key().decode())
        assert seen in sshd.fingerprints.values()


async def test_sshd_factory_options_take_effect(sshd_factory: SshdFactory) -> None:
    server = sshd_factory(options={"PasswordAuthentication": "no", "Subsystem": None})
    assert "PasswordAuthentication no" in server.config_path.read_text()  # type: ignore[union-attr]
    with pytest.raises(asyncssh.PermissionDenied):
        async with _connect(server, password=TEST_PASSWORD):
            pass


async def test_sshd_keyboard_interactive_through_pam(sshd_factory: SshdFactory) -> None:
    server = sshd_factory(
        options={"PasswordAuthentication": "no", "KbdInteractiveAuthentication": "yes"}
    )
    methods: list[str] = []

    class Recorder(asyncssh.SSHClient):
        def kbdint_auth_requested(self) -> str | None:
            methods.append("keyboard-interactive")
            # NotImplemented: asyncssh answers PAM's "Password:" prompt with password=.
            return NotImplemented  # type: ignore[no-any-return]

        def password_auth_requested(self) -> str | None:
            methods.append("password")
            return None

    async with _connect(server, password=TEST_PASSWORD, client_factory=Recorder) as conn:
        assert (await conn.run("id -un", check=True)).stdout == "sdtest\n"
    assert methods == ["keyboard-interactive"]


async def test_sshd_without_sftp_subsystem(
    sshd_factory: SshdFactory, keygen: Callable[..., KeyFiles]
) -> None:
    server = sshd_factory(options={"Subsystem": None}, host_key_types=("ed25519",))
    assert list(server.fingerprints) == ["ssh-ed25519"]
    async with _connect(server, password=TEST_PASSWORD) as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.start_sftp_client()


async def test_sshd_shell_noise_from_bashrc(sshd_factory: SshdFactory) -> None:
    server = sshd_factory(options={"Subsystem": "sftp /usr/lib/openssh/sftp-server"})
    async with _connect(server, username="sdnoisy", password=TEST_PASSWORD) as conn:
        result = await conn.run("true", check=False)
        assert NOISE_TEXT in str(result.stdout)
        with pytest.raises(asyncssh.SFTPBadMessage):
            await conn.start_sftp_client()


async def test_sshd_chroot_user_sees_the_jail(sshd_factory: SshdFactory) -> None:
    server = sshd_factory(match=[chroot_match()])
    async with (
        _connect(server, username="sdchroot", password=TEST_PASSWORD) as conn,
        conn.start_sftp_client() as sftp,
    ):
        assert set(await sftp.listdir("/inbound")) == {".", "..", "orders.csv"}
        async with sftp.open("/inbound/orders.csv") as fh:
            assert await fh.read() == ORDERS_CSV
        assert not await sftp.exists("/srv/sdchroot")


async def test_sshd_legacy_algorithms_config(sshd_factory: SshdFactory) -> None:
    server = sshd_factory(
        options={"KexAlgorithms": "diffie-hellman-group14-sha1", "HostKeyAlgorithms": "ssh-rsa"}
    )
    async with _connect(
        server, password=TEST_PASSWORD,
        kex_algs=["diffie-hellman-group14-sha1"], server_host_key_algs=["ssh-rsa"],
    ) as conn:
        assert conn.get_extra_info("server_version").startswith("SSH-2.0-OpenSSH")


def test_sshd_fresh_host_keys_differ(sshd: SshdServer, sshd_factory: SshdFactory) -> None:
    server = sshd_factory(host_key_types=("ed25519",), fresh_host_keys=True)
    assert server.fingerprints["ssh-ed25519"] != sshd.fingerprints["ssh-ed25519"]


def test_sshd_bad_config_raises_with_sshd_output(sshd_factory: SshdFactory) -> None:
    with pytest.raises(SshdError, match="Bad configuration option"):
        sshd_factory(options={"NoSuchOption": "yes"})


def test_sshd_stop_closes_the_port(test_users: None) -> None:
    started = time.monotonic()
    server = SshdServer().start()
    assert time.monotonic() - started < 3.0
    port = server.port
    assert tcp_listening(port)
    server.stop()
    assert not server.running
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.settimeout(1)
        sock.connect(("127.0.0.1", port))


def test_ensure_test_users_second_call_is_fast(test_users: None) -> None:
    started = time.monotonic()
    ensure_test_users()
    assert time.monotonic() - started < 0.05


# --- dnsmasq ----------------------------------------------------------------------------------


def _ask(
    server: DnsmasqServer, name: str, rdtype: str, timeout: float = 2.0
) -> dns.message.Message:
    return dns.query.udp(
        dns.message.make_query(name, rdtype), server.address, port=server.port, timeout=timeout
    )


@pytest.mark.parametrize(
    ("name", "rdtype", "rcode", "answers"),
    [
        ("ok.test", "A", "NOERROR", ["127.0.0.1"]),
        ("ok.test", "AAAA", "NOERROR", []),
        ("v6.test", "AAAA", "NOERROR", ["::1"]),
        ("v6.test", "A", "NOERROR", []),
        ("both.test", "AAAA", "NOERROR", ["::1"]),
        ("alias.test", "A", "NOERROR", ["ok.test.", "127.0.0.1"]),
        ("chain.test", "A", "NOERROR", ["alias.test.", "ok.test.", "127.0.0.1"]),
        ("txtonly.test", "A", "NOERROR", []),
        ("txtonly.test", "TXT", "NOERROR", ['"only text here"']),
        ("public.test", "A", "NOERROR", ["198.51.100.7"]),
        ("private.test", "A", "NOERROR", ["10.1.2.3"]),
        ("missing.test", "A", "NXDOMAIN", []),
        ("servfail.test", "A", "SERVFAIL", []),
        ("refused.test", "A", "REFUSED", []),
    ],
)
def test_dnsmasq_answers(
    dnsmasq: DnsmasqServer, name: str, rdtype: str, rcode: str, answers: list[str]
) -> None:
    reply = _ask(dnsmasq, name, rdtype)
    assert dns.rcode.to_text(reply.rcode()) == rcode
    assert [rdata.to_text() for rrset in reply.answer for rdata in rrset] == answers


def test_dnsmasq_tcp_and_resolver_string(dnsmasq: DnsmasqServer) -> None:
    assert dnsmasq.resolver == f"127.0.0.1:{dnsmasq.port}"
    reply = dns.query.tcp(
        dns.message.make_query("ok.test", "A"), dnsmasq.address, port=dnsmasq.port, timeout=2
    )
    assert [r.to_text() for rrset in reply.answer for r in rrset] == ["127.0.0.1"]


def test_dnsmasq_silent_name_times_out(dnsmasq: DnsmasqServer) -> None:
    with pytest.raises(dns.exception.Timeout):
        _ask(dnsmasq, "silent.test", "A", timeout=0.5)


def test_silent_dns_never_answers(silent_dns: SilentDns) -> None:
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(
            dns.message.make_query("ok.test", "A"), silent_dns.address, port=silent_dns.port,
            timeout=0.3,
        )
    deadline = time.monotonic() + 1
    while silent_dns.queries == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert silent_dns.queries == 1


# --- network namespaces -----------------------------------------------------------------------


def test_filtered_host_times_out(filtered_host: FilteredHost) -> None:
    assert filtered_host.address.startswith("10.231.")
    started = time.monotonic()
    with socket.socket() as sock, pytest.raises(TimeoutError):
        sock.settimeout(1.0)
        sock.connect((filtered_host.address, filtered_host.port))
    assert time.monotonic() - started >= 0.9
    # Another port on the same host answers RST: the drop is the rule, not a dead link.
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.settimeout(1.0)
        sock.connect((filtered_host.address, 23))


def test_filtered_host_cleanup_removes_namespace() -> None:
    host = FilteredHost().start()
    name = host.namespace
    host.stop()
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    assert name not in listed.stdout


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("unreachable", errno.EHOSTUNREACH), ("throw", errno.ENETUNREACH), ("prohibit", errno.EACCES)],
)
def test_unreachable_host_errno(
    unreachable_host_factory: Callable[[RouteKind], UnreachableHost], kind: RouteKind, expected: int
) -> None:
    host = unreachable_host_factory(kind)
    with socket.socket() as sock, pytest.raises(OSError) as info:
        sock.settimeout(1.0)
        sock.connect((host.address, host.port))
    assert info.value.errno == expected


def test_unreachable_host_fixture(unreachable_host: UnreachableHost) -> None:
    with socket.socket() as sock, pytest.raises(OSError) as info:
        sock.settimeout(1.0)
        sock.connect((unreachable_host.address, unreachable_host.port))
    assert info.value.errno == errno.EHOSTUNREACH


# --- non-SSH peers ----------------------------------------------------------------------------


def _dial(port: int, send: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    if send:
        sock.sendall(send)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def test_ftp_greeting_then_silence(peers: Peers) -> None:
    peer = peers.ftp_greeting()
    with _dial(peer.port) as sock:
        assert sock.recv(4096) == FTP_GREETING
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recv(1)


def test_http_replies_400_and_closes(peers: Peers) -> None:
    peer = peers.http_server()
    with _dial(peer.port, b"SSH-2.0-probe\r\n") as sock:
        assert _read_all(sock) == HTTP_REPLY
    assert bytes(peer.received).startswith(b"SSH-2.0-probe")


def test_tls_replies_alert_and_closes(peers: Peers) -> None:
    peer = peers.tls_server()
    with _dial(peer.port, b"SSH-2.0-probe\r\n") as sock:
        assert _read_all(sock) == TLS_ALERT


def test_tarpit_never_sends(peers: Peers) -> None:
    peer = peers.tarpit()
    with _dial(peer.port, b"SSH-2.0-probe\r\n") as sock:
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(1)


def test_closer_fin_and_rst(peers: Peers) -> None:
    with _dial(peers.closer().port) as sock:
        assert sock.recv(1) == b""
    # The reset can arrive before connect() returns (then connect raises it) or after.
    port = peers.closer(rst=True).port
    with pytest.raises(ConnectionResetError), _dial(port) as sock:
        time.sleep(0.1)
        sock.recv(1)


def test_garbage_sends_non_ssh_bytes(peers: Peers) -> None:
    peer = peers.garbage()
    with _dial(peer.port) as sock:
        received = b""
        while len(received) < len(peer.payload):
            received += sock.recv(4096)
    assert received == peer.payload
    assert not received.startswith(b"SSH-")


def test_refused_port(peers: Peers) -> None:
    port = peers.refused_port().port
    with pytest.raises(ConnectionRefusedError):
        _dial(port)


def test_peers_stop_without_leaking_threads() -> None:
    helper = Peers()
    held = [helper.tarpit(), helper.ftp_greeting(), helper.garbage()]
    socks = [_dial(p.port) for p in held]
    # Each peer runs an accept thread and one per connection (counted per peer: the process's
    # global thread count also moves with other tests' pools winding down on a loaded machine).
    deadline = time.monotonic() + 5
    while any(p.alive_threads() < 2 for p in held) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(p.alive_threads() >= 2 for p in held)
    started = time.monotonic()
    helper.stop_all()
    assert time.monotonic() - started < 1.0
    assert all(p.alive_threads() == 0 for p in held)
    for sock in socks:
        sock.close()
