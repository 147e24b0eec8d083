"""Layers whose server settings must differ from the machine's: TLS, plugins, host rules,
require_secure_transport — against the session's private MariaDB — and the proof from its general
query log that a diagnosis writes nothing."""

from __future__ import annotations

import re

from sourcedoctor.model import Severity, Status
from tests.mysql.conftest import PrivateAccounts
from tests.mysql.helpers import codes, only, run_plan, settings, status

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE|GRANT|REVOKE|"
                    r"RENAME|LOAD|CALL|LOCK|HANDLER|SET\s+(GLOBAL|PASSWORD)|INSTALL|FLUSH)\b", re.I)


async def test_verified_tls_login_and_sample(private: PrivateAccounts) -> None:
    p = private
    s = settings(p.server.url(p.reader, p.database, "items"), password=p.password,
                 ssl_mode="verify-full", ca_bundle=str(p.server.ca))
    report, state = await run_plan(s)
    assert [c for c in report.checks if c.status not in (Status.PASS, Status.SKIP)] == []
    tls = next(c for c in report.checks if c.check_id == "tls.handshake")
    assert tls.facts["tls"] is True and tls.facts["certificate_checked"] is True
    assert tls.facts["protocol"].startswith("TLS")
    auth = next(c for c in report.checks if c.check_id == "db.auth")
    assert auth.facts["tls"] is True
    assert state.sample is not None and [r[1] for r in state.sample.rows] == ["one", "two"]


async def test_certificate_from_an_unknown_ca_is_untrusted(private: PrivateAccounts) -> None:
    p = private
    s = settings(p.server.url(p.reader, p.database, "items"), password=p.password, ssl_mode="verify-ca")
    report, _ = await run_plan(s)
    finding = only(report, "tls.untrusted")
    assert "Testing CA" in finding.evidence["certificate"]["issuer"]
    assert any("-starttls mysql" in step for step in finding.fix), finding.fix
    assert status(report, "db.auth") == Status.SKIP


async def test_require_encrypts_without_judging_the_certificate(private: PrivateAccounts) -> None:
    p = private
    report, state = await run_plan(settings(p.server.url(p.reader, p.database, "items"),
                                            password=p.password, ssl_mode="require"))
    assert codes(report) == []
    assert state.use_tls is True


async def test_account_requiring_tls_over_plain_login(private: PrivateAccounts) -> None:
    p = private
    plain, _ = await run_plan(settings(p.server.url(p.tls_only, p.database, "items"),
                                       password=p.password, ssl_mode="disable"))
    finding = only(plain, "db.password_rejected")
    assert finding.evidence["tls_offered_but_unused"] is True
    assert any("sslMode=require" in step for step in finding.fix)
    encrypted, _ = await run_plan(settings(p.server.url(p.tls_only, p.database, "items"),
                                           password=p.password, ssl_mode="prefer"))
    assert codes(encrypted) == []


async def test_require_secure_transport_refuses_plain_logins(private: PrivateAccounts) -> None:
    p = private
    with p.server.admin() as admin:
        admin.run("SET GLOBAL require_secure_transport = ON")
        try:
            report, _ = await run_plan(settings(p.server.url(p.reader, p.database, "items"),
                                                password=p.password, ssl_mode="disable"))
        finally:
            admin.run("SET GLOBAL require_secure_transport = OFF")
    # MariaDB answers 1045 here (MySQL: 3159); the finding names TLS as the other cause.
    finding = only(report, "db.password_rejected")
    assert finding.evidence["tls_offered_but_unused"] is True


async def test_ed25519_works_here_but_not_for_the_platform(private: PrivateAccounts) -> None:
    p = private
    url = p.server.url(p.ed25519, p.database, "items")
    generic, _ = await run_plan(settings(url, password=p.password))
    assert codes(generic) == []
    aep, _ = await run_plan(settings(url, password=p.password), target="aep")
    finding = only(aep, "db.auth_method_unsupported")
    assert finding.evidence["auth_plugin"] == "client_ed25519"
    assert "mysql_native_password" in finding.fix[0]


async def test_unix_socket_account_cannot_log_in_over_tcp(private: PrivateAccounts) -> None:
    p = private
    report, _ = await run_plan(settings(p.server.url(p.socket_only, p.database), password="x"))
    finding = only(report, "db.auth_method_unsupported")
    assert finding.evidence["errno"] == 1698
    assert f"ALTER USER '{p.socket_only}'@'127.0.0.1'" in finding.fix[0]  # the host the server saw


async def test_client_address_without_any_account_is_refused_before_login(private: PrivateAccounts) -> None:
    p = private
    report, state = await run_plan(settings(f"mysql://{p.reader}@[::1]:{p.server.port}/{p.database}",
                                            password=p.password))
    finding = only(report, "db.hba_rejected")
    assert finding.evidence["errno"] == 1130
    assert finding.evidence["client_address"] == "::1"
    assert f"CREATE USER '{p.reader}'@'::1'" in finding.fix[0]
    assert status(report, "db.auth") == Status.SKIP
    assert state.session is None


async def test_nothing_is_written_by_a_diagnosis(private: PrivateAccounts) -> None:
    p = private
    s = settings(p.server.url(p.reader, p.database, "items"), password=p.password)
    report, _ = await run_plan(s, target="aep")
    assert all(f.severity < Severity.FAIL for c in report.checks for f in c.findings)
    statements = p.server.statements_of(p.reader)
    assert any("START TRANSACTION READ ONLY" in q for q in statements), statements
    assert any(re.search(r"LIMIT 11\b", q) for q in statements), statements
    assert [q for q in statements if WRITES.match(q)] == []


async def test_locked_account_is_another_login_failure(private: PrivateAccounts) -> None:
    p = private
    with p.server.admin() as admin:
        admin.run(f"ALTER USER '{p.reader}'@'127.0.0.1' ACCOUNT LOCK")
        try:
            report, _ = await run_plan(settings(p.server.url(p.reader, p.database), password=p.password))
        finally:
            admin.run(f"ALTER USER '{p.reader}'@'127.0.0.1' ACCOUNT UNLOCK")
    finding = only(report, "db.auth_failed")
    assert finding.evidence["errno"] == 4151
    assert "locked" in finding.evidence["message"]


async def test_a_wrong_password_is_tried_once(private: PrivateAccounts) -> None:
    p = private
    log = p.server.general_log
    before = log.read_text(errors="replace").count(f"Access denied for user '{p.tls_only}'")
    report, _ = await run_plan(settings(p.server.url(p.tls_only, p.database), password="wrong-one"))
    assert codes(report) == ["db.password_rejected"]
    after = log.read_text(errors="replace").count(f"Access denied for user '{p.tls_only}'")
    assert after - before == 1


async def test_expired_and_misnamed_certificates(private: PrivateAccounts, mysql_certs: object) -> None:
    import shutil

    from tests.fixtures.tls import Certificates

    assert isinstance(mysql_certs, Certificates)
    p = private
    good = (p.server.cert.read_bytes(), p.server.key.read_bytes())
    url = p.server.url(p.reader, p.database, "items")
    seen = {}
    try:
        for kind, code in (("expired", "tls.expired"), ("wrong_host", "tls.hostname_mismatch")):
            cert, key = mysql_certs.server(kind)
            shutil.copyfile(cert, p.server.cert)
            shutil.copyfile(key, p.server.key)
            with p.server.admin() as admin:
                admin.run("FLUSH SSL")  # MariaDB re-reads ssl_cert/ssl_key
            report, _ = await run_plan(settings(url, password=p.password, ssl_mode="verify-full",
                                                ca_bundle=str(p.server.ca)))
            seen[kind] = only(report, code)
    finally:
        p.server.cert.write_bytes(good[0])
        p.server.key.write_bytes(good[1])
        with p.server.admin() as admin:
            admin.run("FLUSH SSL")
    assert seen["expired"].evidence["verify_code"] == 10
    assert "other.example" in seen["wrong_host"].evidence["certificate"]["subject_alt_names"]


async def test_non_latin1_password_is_sent_as_utf8(private: PrivateAccounts) -> None:
    p = private
    user, password = "utf8_" + p.reader[-6:], "pässwörd-密码"
    with p.server.admin() as admin:
        admin.run(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'",
                  f"GRANT SELECT ON `{p.database}`.* TO '{user}'@'127.0.0.1'")
    report, _ = await run_plan(settings(p.server.url(user, p.database, "items"), password=password))
    assert codes(report) == []

