"""QA report on the database connectors, PostgreSQL side: trust logins said (item 6), an unknown
role named as such (13), schemas without USAGE left out of listings (14), one bytea advice (16),
plain-text connections under a cloud target (8), tcp.refused's port advice (12)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from sourcedoctor.connectors.postgres.client import connect
from sourcedoctor.connectors.postgres.source import PostgresSource
from sourcedoctor.model import Severity
from tests.fixtures.postgres import PrivateCluster
from tests.postgres.helpers import codes, finding, private, run_plan, settings


async def test_trust_login_warns_that_the_password_was_not_checked(pg: PrivateCluster) -> None:
    pg.set_hba("host all all 127.0.0.1/32 trust")
    report, _ = await run_plan(private(pg, table="sales.small", password_field="wrong-password"))
    f = finding(report, "db.password_not_checked")
    assert f.severity is Severity.WARN and f.evidence["password_given"] is True
    assert "may be wrong" in f.summary
    assert any("127.0.0.1/32  scram-sha-256" in step for step in f.fix)
    assert report.verdict.value != "fail"
    # The same server asking for a password refuses the same wrong one: nothing to warn about then.
    pg.set_hba("host all all 127.0.0.1/32 scram-sha-256")
    report, _ = await run_plan(private(pg, table="sales.small", password_field="wrong-password"))
    assert codes(report) == ["db.password_rejected"]


async def test_trust_with_the_right_password_still_warns_and_a_checked_login_does_not(
        pg: PrivateCluster) -> None:
    report, _ = await run_plan(private(pg, table="sales.small"))
    assert "db.password_not_checked" not in codes(report)
    pg.set_hba("host all all 127.0.0.1/32 trust")
    report, _ = await run_plan(private(pg, table="sales.small", password_field=None))
    f = finding(report, "db.password_not_checked")
    assert f.evidence["password_given"] is False and "no password was given" in f.summary


async def test_pwd_key_in_a_postgres_string_is_unknown_and_trust_says_unchecked() -> None:
    s = settings("postgresql://", connection_string="Server=127.0.0.1;Port=5432;Database=test;"
                 "User Id=postgres;PWD=whatever")
    report, _ = await run_plan(s)
    assert codes(report) == ["config.connstring_unknown_key", "db.password_not_checked"]


async def test_unknown_role_is_password_rejected_with_create_role() -> None:
    report, _ = await run_plan(settings("postgresql://sd_no_such_role@127.0.0.1:5432/test"))
    f = finding(report, "db.password_rejected")
    assert f.evidence["sqlstate"] == "28000" and f.evidence["role_exists"] is False
    assert "no role 'sd_no_such_role'" in f.summary
    assert any("CREATE ROLE sd_no_such_role LOGIN" in step for step in f.fix)


async def test_listing_leaves_out_schemas_without_usage(cluster: PrivateCluster) -> None:
    from tests.postgres.conftest import READER_PASSWORD

    conn = await connect(private(cluster, password_field=READER_PASSWORD), use_tls=False, timeout=5)
    try:
        source = PostgresSource(conn, timeout=5.0)
        schemas = [r.name for r in (await source.relations(None)).relations]
    finally:
        await conn.close()
    assert "sales" in schemas and "vault" not in schemas  # reader has no USAGE on vault


def _blobs(cluster: PrivateCluster) -> str:
    cluster.sql("CREATE TABLE IF NOT EXISTS sales.blobs (id int, raw bytea);"
                "TRUNCATE sales.blobs; INSERT INTO sales.blobs VALUES (1, '\\x0102');"
                "GRANT SELECT ON sales.blobs TO reader;", database="shop")
    return "sales.blobs"


async def test_bytea_advice_is_one_encode(cluster: PrivateCluster) -> None:
    report, _ = await run_plan(private(cluster, table=_blobs(cluster)))
    f = finding(report, "db.type_unsupported")
    assert f.summary == "1 column(s) of sales.blobs have no platform type: raw (bytea)"
    assert f.evidence["columns"][0]["note"].count("encode(col, 'base64')") == 1
    assert "encode(raw, 'base64') AS raw" in f.fix[0] and "::text" not in f.fix[0]


def test_ingest_says_the_bytea_advice_once(cluster: PrivateCluster, tmp_path: Path) -> None:
    from tests.postgres.conftest import READER_PASSWORD

    url = f"postgresql://reader@127.0.0.1:{cluster.port}/shop?table={_blobs(cluster)}"
    run = subprocess.run(
        ["sourcedoctor", "ingest", url, "--password-env", "SD_TEST_PW", "--dataset", "blobs",
         "--lake", str(tmp_path / "l.duckdb")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1", "SD_TEST_PW": READER_PASSWORD})
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("encode(col, 'base64')") == 1, run.stderr
    assert run.stderr.count("raw (bytea)") == 1, run.stderr


async def test_no_tls_under_a_cloud_target_warns_like_mysql(cluster: PrivateCluster) -> None:
    # The private cluster has ssl = off: sslMode prefer ends up unencrypted.
    report, _ = await run_plan(private(cluster, table="sales.small"), target="aep")
    f = finding(report, "tls.plaintext")
    assert f.severity is Severity.WARN and f.evidence["server_offers_tls"] is False
    assert any("ssl = on" in step for step in f.fix) and not any("https" in s for s in f.fix)
    report, _ = await run_plan(private(cluster, table="sales.small"))  # generic: not said
    assert "tls.plaintext" not in codes(report)
    report, _ = await run_plan(private(cluster, table="sales.small", ssl_mode_field="disable"),
                               target="aep")
    assert "tls.plaintext" not in codes(report)  # the user's explicit choice


async def test_refused_port_names_postgres_usual_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: refused
        report, _ = await run_plan(settings(f"postgresql://u@127.0.0.1:{port}/db"))
    f = finding(report, "tcp.refused")
    assert f.fix[0] == f"Check the port number ({port}): PostgreSQL is usually 5432."


def test_reproduce_repeats_the_users_own_variables(cluster: PrivateCluster) -> None:
    import json

    from tests.postgres.conftest import READER_PASSWORD

    def command(args: list[str], env: dict[str, str]) -> str:
        run = subprocess.run(["sourcedoctor", "check", *args, "--format", "json"], capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL,
                             env={**os.environ, "NO_COLOR": "1", **env})
        return str(json.loads(run.stdout)["command"])

    url = f"postgresql://reader@127.0.0.1:{cluster.port}/shop?table=sales.small"
    used = command([url, "--password-env", "QA_PW"], {"QA_PW": READER_PASSWORD})
    assert used.endswith("--password-env QA_PW") and "PGPASSWORD" not in used
    text = f"Server=127.0.0.1;Port={cluster.port};Database=shop;UID=reader;Password={{{READER_PASSWORD}}}"
    used = command(["postgresql://", "--connection-string-env", "CS", "--table", "sales.small"],
                   {"CS": text})
    assert "--connection-string-env CS" in used and "PG_CONNECTION_STRING" not in used
    assert "--password" not in used and READER_PASSWORD not in used


def test_text_after_a_cut_password_is_never_shown() -> None:
    from sourcedoctor.connectors.postgres.connstring import interpret

    text = "Server=h;Database=d;UID=u;Password=ab;secretpart;more=1;EncryptionMethod=0"
    out = interpret(text)
    said = repr([f.to_dict() for f in out.findings]) + repr(out.explained)
    assert "secretpart" not in said and "more" not in said
    hidden = [f for f in out.findings if f.evidence.get("maybe_password")]
    assert [f.evidence["position"] for f in hidden] == [text.index("secretpart"), text.index("more")]
    assert out.values["ssl_mode"] == "disable"  # the key after the tail is read again


def test_setup_form_labels_and_port_placeholder() -> None:
    from sourcedoctor.connectors.postgres.settings import PostgresSettings
    from sourcedoctor.tui.widgets.settings_form import field_specs

    specs = {s.name: s for s in field_specs(PostgresSettings)}
    labels = [specs[n].label for n in ("host_field", "port_field", "database_field", "user_field",
                                       "password_field", "ssl_mode_field")]
    assert labels == ["Host", "Port", "Database", "User", "Password", "SSL mode"]
    assert specs["port_field"].placeholder == "5432" and specs["table"].essential
    assert "search path" in specs["table"].help and "default schema: public" not in specs["table"].help


def test_unreadable_string_has_no_port_shell_in_the_header() -> None:
    from sourcedoctor.connectors.postgres.settings import redacted_url as pg_url

    assert pg_url(settings("postgresql://", connection_string="\x01", table="t")) == "postgresql://?table=t"
    from sourcedoctor.connectors import get
    from sourcedoctor.connectors.mysql.settings import redacted_url as my_url

    assert my_url(get("mysql").settings("mysql://", connection_string="PWD=a\x01b")) == "mysql://"


async def test_saved_profile_of_a_pasted_string_holds_the_connection(tmp_path: Path) -> None:
    from sourcedoctor.tui.app import SourceDoctorApp
    from sourcedoctor.tui.profiles import ProfileStore
    from sourcedoctor.tui.screens.setup import SetupScreen

    store = ProfileStore(tmp_path / "profiles.json")
    app = SourceDoctorApp(profiles=store)
    text = "Server=db.example.com;Port=5433;Database=shop;UID=reader;Password=pw-x;EncryptionMethod=1"
    async with app.run_test(size=(100, 40)) as pilot:
        screen = SetupScreen({"connection_string": text, "table": "sales.orders"}, connector="postgres")
        await app.push_screen(screen)
        await pilot.pause()
        conn = screen.connection()
        assert conn is not None
        kept = screen._with_pasted_values(conn.settings)
    store.save("pasted", kept, "generic", 0.0, connector="postgres")
    fields, _ = store.load("pasted")
    assert {k: fields[k] for k in ("host_field", "port_field", "database_field", "user_field",
                                   "ssl_mode_field", "table")} == {
        "host_field": "db.example.com", "port_field": 5433, "database_field": "shop",
        "user_field": "reader", "ssl_mode_field": "verify-full", "table": "sales.orders"}
    assert "pw-x" not in (tmp_path / "profiles.json").read_text()
