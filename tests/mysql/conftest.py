"""MySQL peers: the machine's MariaDB (a database and users of this session) and one private
MariaDB per session (TLS with a trustme certificate, the general log, special accounts).

Under CI=true a missing MariaDB fails instead of skipping (tests.support.require_binary and
:func:`machine`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.fixtures import tcp_listening
from tests.fixtures.mariadb import MachineMariadb, PrivateMariadb, random_name
from tests.fixtures.tls import Certificates
from tests.support import IN_CI


@pytest.fixture(scope="session")
def machine() -> Iterator[MachineMariadb]:
    """The machine's MariaDB with this session's database (orders, secrets, plain, shapes, events)
    and users: ``reader`` (SELECT on some tables) and ``stranger`` (no grant)."""
    if not tcp_listening(3306):
        message = "the machine's MariaDB is not listening on 127.0.0.1:3306"
        if IN_CI:
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    with MachineMariadb() as server:
        yield server


@dataclass
class PrivateAccounts:
    """Accounts on the private server (all at 127.0.0.1; root@::1 is dropped, so a login from
    ::1 matches no account at all: error 1130)."""

    server: PrivateMariadb
    database: str
    reader: str
    ed25519: str
    socket_only: str
    tls_only: str
    password: str


@pytest.fixture(scope="session")
def mysql_certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("mysql-tls"))


@pytest.fixture(scope="session")
def private(mysql_certs: Certificates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateAccounts]:
    """One private MariaDB for the session, with TLS (certificate for 127.0.0.1/localhost by the
    test CA) and the general query log."""
    folder = tmp_path_factory.mktemp("mariadb")
    cert, key = mysql_certs.server("good")
    with PrivateMariadb(folder, cert, key, mysql_certs.ca_pem) as server:
        pw = server.password
        names = PrivateAccounts(server, random_name(), random_name("rd"), random_name("ed"),
                                random_name("so"), random_name("tl"), pw)
        db = names.database
        with server.admin() as a:
            a.run("DROP USER IF EXISTS root@'::1'",
                  f"CREATE DATABASE `{db}`",
                  f"CREATE TABLE `{db}`.items (id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(20))",
                  f"INSERT INTO `{db}`.items (label) VALUES ('one'), ('two')",
                  f"CREATE USER '{names.reader}'@'127.0.0.1' IDENTIFIED BY '{pw}'",
                  f"GRANT SELECT ON `{db}`.* TO '{names.reader}'@'127.0.0.1'",
                  f"CREATE USER '{names.ed25519}'@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD('{pw}')",
                  f"GRANT SELECT ON `{db}`.* TO '{names.ed25519}'@'127.0.0.1'",
                  f"CREATE USER '{names.socket_only}'@'127.0.0.1' IDENTIFIED VIA unix_socket",
                  f"CREATE USER '{names.tls_only}'@'127.0.0.1' IDENTIFIED BY '{pw}' REQUIRE SSL",
                  f"GRANT SELECT ON `{db}`.* TO '{names.tls_only}'@'127.0.0.1'")
        yield names
