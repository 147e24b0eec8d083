"""Every layer of the PostgreSQL diagnosis against a real server driven into the fault: the private
cluster (pg_hba.conf, TLS, roles, tables changed per case), the machine's PostgreSQL (trust), and
MariaDB on 3306 for the wrong protocol. Each test asserts the code, its evidence and that the fix
names the exact thing to change."""

from __future__ import annotations

from sourcedoctor.model import Status
from tests.fixtures.postgres import PrivateCluster
from tests.fixtures.tls import Certificates
from tests.postgres.conftest import MD5_PASSWORD
from tests.postgres.helpers import codes, facts, finding, private, run_plan, settings, status


async def test_healthy_private_source_has_no_warning_or_failure(pg: PrivateCluster) -> None:
    report, state = await run_plan(private(pg, table="sales.orders"), target="aep")
    # The private cluster listens on loopback, and with ssl = off: under a cloud target both are said.
    assert codes(report) == ["dns.private_address", "tls.plaintext"]
    assert facts(report, "db.auth")["method"] == "scram-sha-256"
    assert facts(report, "db.database")["product"] == "PostgreSQL"
    assert facts(report, "db.database")["major_version"] >= 12
    assert facts(report, "db.sample")["rows"] == 10
    assert facts(report, "db.delta")["delta_column"] == "updated_at"
    types = {c["column"]: c["platform_type"] for c in facts(report, "db.types")["columns"]}
    assert types == {
        "id": "integer",
        "customer": "string",
        "amount": "number",
        "created_at": "date-time",
        "updated_at": "date-time",
    }
    assert state.sample is not None and len(state.sample.rows) == 10


async def test_machine_postgres_trust_is_healthy() -> None:
    report, _ = await run_plan(settings("postgresql://postgres@127.0.0.1:5432/test"))
    assert codes(report) == ["db.password_not_checked"]  # healthy, but no password was checked
    assert facts(report, "db.auth")["method"] == "trust"
    assert status(report, "db.relation") is Status.SKIP  # no table: schemas listed
    assert "public" in facts(report, "db.relation")["schemas"]


async def test_wrong_password(pg: PrivateCluster) -> None:
    mark = len(pg.log_text())
    report, _ = await run_plan(private(pg, password_field="not-the-password"))
    # One login attempt: the method probe sends no password, so the server logs one failure only.
    failures = pg.log_text()[mark:].count('password authentication failed for user "reader"')
    assert failures == 1
    f = finding(report, "db.password_rejected")
    assert f.evidence["sqlstate"] == "28P01" and f.evidence["method"] == "scram-sha-256"
    assert any("ALTER ROLE reader PASSWORD" in step for step in f.fix)


async def test_md5_method_is_named(pg: PrivateCluster) -> None:
    pg.set_hba("host all all 127.0.0.1/32 md5")
    report, _ = await run_plan(private(pg, user="md5user", password_field=MD5_PASSWORD, table="sales.small"))
    assert codes(report) == []
    assert facts(report, "db.auth")["method"] == "md5"


async def test_no_pg_hba_line_gives_the_exact_line(pg: PrivateCluster) -> None:
    pg.set_hba("host shop md5user 127.0.0.1/32 scram-sha-256")
    report, _ = await run_plan(private(pg))
    f = finding(report, "db.hba_rejected")
    assert f.evidence["sqlstate"] == "28000" and f.evidence["client_address_seen"] == "127.0.0.1"
    assert f.evidence["hba_line"] == "host  shop  reader  127.0.0.1/32  scram-sha-256"
    assert any("host  shop  reader  127.0.0.1/32  scram-sha-256" in step for step in f.fix)
    assert status(report, "db.database") is Status.SKIP


async def test_explicit_reject_line(pg: PrivateCluster) -> None:
    pg.set_hba("host all reader 127.0.0.1/32 reject\nhost all all 127.0.0.1/32 scram-sha-256")
    report, _ = await run_plan(private(pg))
    assert "rejects" in finding(report, "db.hba_rejected").evidence["server_message"]


async def test_hostssl_only_with_ssl_disabled_is_tls_required(
    pg: PrivateCluster, certs: Certificates
) -> None:
    pg.set_ssl(*certs.server("good"))
    pg.set_hba("hostssl all all 127.0.0.1/32 scram-sha-256")
    report, _ = await run_plan(private(pg, ssl_mode_field="disable"))
    f = finding(report, "db.tls_required")
    assert f.evidence["ssl_mode"] == "disable" and "no encryption" in f.evidence["server_message"]
    assert any("sslMode=require" in step and "EncryptionMethod=1" in step for step in f.fix)
    # allow tries plain first, then TLS after the rejection (as libpq does).
    allow, _ = await run_plan(private(pg, ssl_mode_field="allow", table="sales.small"))
    assert codes(allow) == [] and facts(allow, "db.auth")["encrypted"] is True
    # The same server with prefer (the default) logs in over TLS.
    ok, _ = await run_plan(private(pg, table="sales.small"))
    assert codes(ok) == [] and facts(ok, "db.auth")["encrypted"] is True


async def test_require_against_ssl_off_is_tls_unavailable(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, ssl_mode_field="require"))
    f = finding(report, "db.tls_unavailable")
    assert f.evidence["ssl_request_answer"] == "N"
    assert any("ssl = on" in step for step in f.fix)
    assert status(report, "db.auth") is Status.SKIP


async def test_verify_full_certificates(pg: PrivateCluster, certs: Certificates) -> None:
    pg.set_ssl(*certs.server("good"))
    good, _ = await run_plan(
        private(pg, ssl_mode_field="verify-full", ca_bundle=str(certs.ca_pem), table="sales.small")
    )
    assert codes(good) == [] and facts(good, "tls.handshake")["protocol"].startswith("TLS")
    untrusted, _ = await run_plan(private(pg, ssl_mode_field="verify-full"))  # system CAs only
    assert finding(untrusted, "tls.untrusted").evidence["verify_code"] in (18, 19, 20)
    assert any("openssl s_client -connect" in step and "-starttls postgres" in step
               for step in finding(untrusted, "tls.untrusted").fix)
    assert status(untrusted, "db.auth") is Status.SKIP
    pg.set_ssl(*certs.server("wrong_host"))
    mismatch, _ = await run_plan(private(pg, ssl_mode_field="verify-full", ca_bundle=str(certs.ca_pem)))
    f = finding(mismatch, "tls.hostname_mismatch")
    assert f.evidence["certificate"]["subject_alt_names"] == ["other.example"]
    pg.set_ssl(*certs.server("expired"))
    expired, _ = await run_plan(private(pg, ssl_mode_field="verify-full", ca_bundle=str(certs.ca_pem)))
    assert "not_after" in finding(expired, "tls.expired").evidence["certificate"]
    pg.set_ssl(*certs.server("wrong_host"))
    # verify-ca checks the chain only: the same certificate is fine there.
    ca_only, _ = await run_plan(
        private(pg, ssl_mode_field="verify-ca", ca_bundle=str(certs.ca_pem), table="sales.small")
    )
    assert codes(ca_only) == []


async def test_client_certificate_method_is_unsupported(pg: PrivateCluster, certs: Certificates) -> None:
    pg.set_ssl(*certs.server("good"), client_ca=certs.ca_pem)
    pg.set_hba("hostssl all all 127.0.0.1/32 cert")
    report, _ = await run_plan(private(pg, ssl_mode_field="require"))
    f = finding(report, "db.auth_method_unsupported")
    assert f.evidence["method"] == "cert" and "certificate" in f.evidence["server_message"]
    assert any("hostssl  shop  reader  127.0.0.1/32  scram-sha-256" in step for step in f.fix)


async def test_missing_database_lists_the_visible_ones(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, database="shopp"))
    f = finding(report, "db.database_not_found")
    assert f.evidence["sqlstate"] == "3D000" and "shop" in f.evidence["databases_visible"]
    assert status(report, "db.auth") is Status.PASS  # the password was right
    assert any("shop" in step for step in f.fix)


async def test_missing_table_names_close_matches(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, table="sales.order"))
    f = finding(report, "db.table_not_found")
    assert f.evidence["closest"][0] == "sales.orders"
    assert any("sales.orders" in step for step in f.fix)


async def test_quoted_mixed_case_name_resolves(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, table='sales."Mixed Case"'))
    assert codes(report) == [] and facts(report, "db.relation")["relation"] == "sales.Mixed Case"


async def test_no_select_gives_the_exact_grant(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, table="sales.secret"))
    f = finding(report, "db.permission_denied")
    assert f.evidence["grant"] == "GRANT SELECT ON sales.secret TO reader;"
    assert any("GRANT SELECT ON sales.secret TO reader;" in step for step in f.fix)


async def test_no_schema_usage_gives_the_exact_grant(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, table="vault.gold"))
    f = finding(report, "db.permission_denied")
    assert f.evidence["grant"] == "GRANT USAGE ON SCHEMA vault TO reader;"


async def test_row_level_security_is_named(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, table="sales.guarded"))
    assert codes(report) == ["db.row_security"]
    assert any("ALTER ROLE reader BYPASSRLS" in step for step in finding(report, "db.row_security").fix)
    assert facts(report, "db.sample")["rows"] == 0  # the policy hides the row


async def test_unsupported_types_are_named(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, table="sales.shapes"))
    f = finding(report, "db.type_unsupported")
    assert [c["column"] for c in f.evidence["columns"]] == ["spot", "span"]
    assert any("spot::text AS spot" in step for step in f.fix)


async def test_slow_view_hits_the_statement_timeout(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, table="sales.slow"), timeout=1.0)
    f = finding(report, "db.sample_timeout")
    assert f.evidence["kind"] == "view" and f.evidence["timeout_s"] == 1.0
    # The server cancelled it: the statement does not keep running after the check.
    assert "pg_sleep" not in pg.sql(
        "SELECT string_agg(query, ';') FROM pg_stat_activity WHERE state = 'active' "
        "AND application_name = 'sourcedoctor'"
    )


async def test_delta_column_missing_or_unindexed_under_aep(pg: PrivateCluster) -> None:
    none, _ = await run_plan(private(pg, table="sales.small"), target="aep")
    f = finding(none, "db.no_delta_column")
    assert any("ALTER TABLE sales.small ADD COLUMN updated_at timestamptz" in s for s in f.fix)
    unindexed, _ = await run_plan(private(pg, table="sales.changes"), target="aep")
    g = finding(unindexed, "db.delta_not_indexed")
    assert any("CREATE INDEX ON sales.changes (changed_at);" in s for s in g.fix)
    generic, _ = await run_plan(private(pg, table="sales.small"))
    assert "db.delta" not in [c.check_id for c in generic.checks]


async def test_mariadb_port_is_the_wrong_protocol() -> None:
    report, _ = await run_plan(settings("postgresql://reader@127.0.0.1:3306/shop"))
    assert codes(report) == ["config.db_port_of_other_server", "db.wrong_protocol"]
    f = finding(report, "db.wrong_protocol")
    assert f.evidence["answered"] == "mysql" and "MariaDB" in f.evidence["detail"]
    assert any("speaks MySQL/MariaDB, not PostgreSQL" in step for step in f.fix)


async def test_ssh_port_is_the_wrong_protocol(sshd) -> None:  # type: ignore[no-untyped-def]
    report, _ = await run_plan(settings(f"postgresql://reader@127.0.0.1:{sshd.port}/shop"))
    f = finding(report, "db.wrong_protocol")
    assert f.evidence["answered"] == "ssh" and f.evidence["bytes"].startswith("SSH-2.0-")


async def test_connection_string_alone_reaches_the_server(pg: PrivateCluster) -> None:
    from tests.postgres.conftest import READER_PASSWORD

    text = (
        f"Server=127.0.0.1;Port={pg.port};Database=shop;UID=reader;Password={{{READER_PASSWORD}}};"
        "EncryptionMethod=6"
    )
    report, _ = await run_plan(settings("postgresql://", connection_string=text, table="sales.small"))
    assert codes(report) == []
    explained = facts(report, "config.settings")["connection_string"]
    assert [e["key"] for e in explained] == [
        "Server",
        "Port",
        "Database",
        "UID",
        "Password",
        "EncryptionMethod",
    ]
    assert READER_PASSWORD not in repr(report)


async def test_role_that_may_not_log_in_is_another_login_failure(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, user="nologin"))
    f = finding(report, "db.auth_failed")
    assert f.evidence["sqlstate"] == "28000" and "not permitted to log in" in f.evidence["server_message"]


async def test_failing_view_is_a_sample_failure(pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, table="sales.broken"))
    f = finding(report, "db.sample_failed")
    assert f.evidence["sqlstate"] == "22012"  # division by zero, raised by the view's definition
    assert any("SELECT * FROM sales.broken LIMIT 10;" in step for step in f.fix)


async def test_pasted_mysql_password_key_is_named_and_explains_the_login(pg: PrivateCluster) -> None:
    from tests.postgres.conftest import READER_PASSWORD

    text = f"Server=127.0.0.1;Port={pg.port};Database=shop;UID=reader;PWD={{{READER_PASSWORD}}}"
    report, _ = await run_plan(settings("postgresql://", connection_string=text))
    assert codes(report) == ["config.connstring_unknown_key", "auth.no_credentials"]
    f = finding(report, "config.connstring_unknown_key")
    assert f.evidence["key"] == "PWD" and any("Replace PWD with Password" in step for step in f.fix)
    assert READER_PASSWORD not in repr(report)
