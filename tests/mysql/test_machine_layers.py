"""Every layer against the machine's MariaDB (no TLS there): healthy control, database, table,
grants, password, TLS unavailable, sample bounds and types."""

from __future__ import annotations

from sourcedoctor.model import Severity, Status
from tests.fixtures.mariadb import MachineMariadb
from tests.mysql.helpers import codes, only, run_plan, settings, status


async def test_healthy_control_has_no_warning(machine: MachineMariadb) -> None:
    s = settings(machine.url(table="orders"), password=machine.password)
    report, state = await run_plan(s)
    bad = [(c.check_id, c.status, [f.code for f in c.findings]) for c in report.checks
           if c.status not in (Status.PASS, Status.SKIP)]
    assert bad == []
    assert state.greeting is not None and state.greeting.product == "MariaDB"
    protocol = next(c for c in report.checks if c.check_id == "db.protocol")
    assert protocol.facts["product"] == "MariaDB"
    assert protocol.facts["default_auth_plugin"] == "mysql_native_password"
    assert state.sample is not None and len(state.sample.rows) == 3 and state.sample.more is False
    types = {c.name: c.platform_type for c in state.sample.columns}
    assert types == {"id": "integer", "customer": "string", "amount": "number", "paid": "boolean",
                     "updated_at": "date-time"}
    auth = next(c for c in report.checks if c.check_id == "db.auth")
    assert auth.facts["account"] == f"{machine.reader}@%"


async def test_unknown_database_lists_the_visible_ones(machine: MachineMariadb) -> None:
    wrong = machine.database[:-1] + ("x" if not machine.database.endswith("x") else "y")
    report, _ = await run_plan(settings(machine.url(user="root", database=wrong)))
    finding = only(report, "db.database_not_found")
    assert finding.evidence["errno"] == 1049
    assert machine.database in finding.evidence["close_matches"]
    assert machine.database in " ".join(finding.fix)


async def test_missing_table_names_close_matches(machine: MachineMariadb) -> None:
    report, _ = await run_plan(settings(machine.url(user="root", table="order")))
    finding = only(report, "db.table_not_found")
    assert finding.evidence["errno"] == 1146
    assert finding.evidence["close_matches"][0] == "orders"
    assert f"{machine.database}.orders" in " ".join(finding.fix)


async def test_typo_seen_by_a_table_level_reader(machine: MachineMariadb) -> None:
    # Without database-wide privileges MySQL answers 1142 whether or not the table exists.
    report, _ = await run_plan(settings(machine.url(table="order"), password=machine.password))
    finding = only(report, "db.table_not_found")
    assert finding.evidence["errno"] == 1142
    assert finding.evidence["close_matches"] == ["orders"]
    assert "GRANT SELECT ON" in finding.evidence["also_possible"]


async def test_table_without_select_grant_gets_the_exact_grant(machine: MachineMariadb) -> None:
    report, state = await run_plan(settings(machine.url(table="secrets"), password=machine.password))
    finding = only(report, "db.permission_denied")
    assert finding.evidence["errno"] == 1142
    grant = f"GRANT SELECT ON `{machine.database}`.`secrets` TO '{machine.reader}'@'%';"
    assert finding.evidence["grant"] == grant
    assert grant in " ".join(finding.fix)
    assert state.sample is None


async def test_user_without_any_grant_on_the_database(machine: MachineMariadb) -> None:
    report, _ = await run_plan(settings(machine.url(user=machine.stranger, table="orders"),
                                        password=machine.password))
    finding = only(report, "db.permission_denied")
    assert finding.evidence["errno"] == 1044
    # 1044 also answers a database that does not exist; this account cannot list others: said.
    assert "or it does not exist" in finding.summary
    assert f"GRANT SELECT ON `{machine.database}`.* TO '{machine.stranger}'@'%';" in finding.fix[1]


async def test_wrong_password_is_one_attempt(machine: MachineMariadb) -> None:
    report, _ = await run_plan(settings(machine.url(table="orders"), password="not-the-password"))
    finding = only(report, "db.password_rejected")
    assert finding.evidence["errno"] == 1045
    # The machine's server offers no TLS: the finding does not blame a TLS requirement.
    assert "tls_offered_but_unused" not in finding.evidence
    assert status(report, "db.database") == Status.SKIP


async def test_missing_password_is_said(machine: MachineMariadb) -> None:
    report, _ = await run_plan(settings(machine.url(table="orders")))
    finding = only(report, "db.password_rejected")
    assert finding.evidence["password_given"] is False
    assert "--password-env" in finding.fix[0]


async def test_tls_required_by_sslmode_but_not_offered(machine: MachineMariadb) -> None:
    for mode in ("require", "REQUIRED", "verify-full"):
        report, _ = await run_plan(settings(machine.url(table="orders"), password=machine.password,
                                            ssl_mode=mode))
        finding = only(report, "db.tls_unavailable")
        assert finding.evidence["tls_offered"] is False
        assert "ssl_cert" in finding.fix[0]
        assert status(report, "db.auth") == Status.SKIP


async def test_prefer_without_server_tls_is_plain_and_warns_only_for_cloud(machine: MachineMariadb) -> None:
    s = settings(machine.url(table="orders"), password=machine.password)
    report, state = await run_plan(s, target="aep")
    plain = only(report, "tls.plaintext")
    assert plain.severity == Severity.WARN
    assert state.use_tls is False
    assert status(report, "db.sample") == Status.PASS


async def test_types_without_platform_equivalent(machine: MachineMariadb) -> None:
    report, _ = await run_plan(settings(machine.url(table="shapes"), password=machine.password))
    finding = only(report, "db.type_unsupported")
    named = {c["column"]: c["note"] for c in finding.evidence["columns"]}
    assert set(named) == {"area", "raw"}
    assert "ST_AsText" in named["area"] and "HEX" in named["raw"]


async def test_delta_column_under_aep(machine: MachineMariadb) -> None:
    healthy, _ = await run_plan(settings(machine.url(table="orders"), password=machine.password),
                                target="aep")
    delta = next(c for c in healthy.checks if c.check_id == "db.delta")
    assert delta.status == Status.PASS and delta.facts["delta_column"] == "updated_at"
    report, _ = await run_plan(settings(machine.url(table="plain"), password=machine.password),
                               target="aep")
    missing = only(report, "db.no_delta_column")
    assert "ADD COLUMN updated_at" in missing.fix[0]
    report, _ = await run_plan(settings(machine.url(table="events"), password=machine.password),
                               target="aep")
    unindexed = only(report, "db.delta_not_indexed")
    assert unindexed.evidence["delta_column"] == "at"
    assert "CREATE INDEX `idx_at` ON" in unindexed.fix[0]


async def test_generic_target_has_no_delta_layer(machine: MachineMariadb) -> None:
    report, _ = await run_plan(settings(machine.url(table="plain"), password=machine.password))
    assert "db.delta" not in [c.check_id for c in report.checks]
    assert codes(report) == []


async def test_sample_cost_does_not_grow_with_the_table(machine: MachineMariadb) -> None:
    """10 rows of a 1,000,000-row table cost what 10 rows of a 10-row table cost (LIMIT, no scan)."""
    import statistics
    import time

    from sourcedoctor.connectors.mysql.client import login
    from sourcedoctor.connectors.mysql.source import MysqlSource

    db = machine.database
    with machine.admin() as admin:
        admin.run(f"CREATE TABLE `{db}`.big (id INT PRIMARY KEY, v VARCHAR(20))",
                  f"INSERT INTO `{db}`.big SELECT seq, CONCAT('row', seq) FROM `{db}`.seq_1_to_1000000",
                  f"CREATE TABLE `{db}`.small (id INT PRIMARY KEY, v VARCHAR(20))",
                  f"INSERT INTO `{db}`.small SELECT seq, CONCAT('row', seq) FROM `{db}`.seq_1_to_10")
    result = await login(settings(machine.url(user="root")), use_tls=False, timeout=5.0)
    assert result.session is not None
    source = MysqlSource(result.session, db, mariadb=True, statement_timeout=5.0)
    medians = {}
    try:
        for table in ("small", "big"):
            times = []
            for _ in range(15):
                t0 = time.perf_counter()
                sample = await source.sample(f"{db}.{table}", limit=10)
                times.append(time.perf_counter() - t0)
            assert len(sample.rows) == 10
            assert sample.more is (table == "big")
            medians[table] = statistics.median(times)
    finally:
        result.session.close()
    # A full scan of a million rows takes hundreds of milliseconds; a LIMITed read about one.
    assert medians["big"] <= medians["small"] * 2 + 0.002, medians


async def test_slow_view_is_a_sample_timeout(machine: MachineMariadb) -> None:
    import time

    with machine.admin() as admin:
        admin.run(f"CREATE OR REPLACE VIEW `{machine.database}`.slow AS SELECT SLEEP(5) AS s")
    t0 = time.monotonic()
    report, _ = await run_plan(settings(machine.url(user="root", table="slow")), timeout=1.0)
    elapsed = time.monotonic() - t0
    finding = only(report, "db.sample_timeout")
    assert finding.evidence["kind"] == "timeout"
    assert "1969" in finding.evidence["error"]  # the server's own limit ended it
    assert elapsed < 4.0


async def test_broken_view_is_a_read_failure(machine: MachineMariadb) -> None:
    db = machine.database
    with machine.admin() as admin:
        admin.run(f"CREATE TABLE `{db}`.gone (id INT)", f"CREATE OR REPLACE VIEW `{db}`.broken AS "
                  f"SELECT id FROM `{db}`.gone", f"DROP TABLE `{db}`.gone")
    report, _ = await run_plan(settings(machine.url(user="root", table="broken")))
    finding = only(report, "db.sample_failed")
    assert finding.evidence["errno"] == 1356
    assert f"SELECT 1 FROM `{db}`.`broken` LIMIT 0" in finding.fix[0]


async def test_postgres_spelling_in_the_connection_string_is_flagged_and_used(
        machine: MachineMariadb) -> None:
    text = (f"Server=127.0.0.1;Port=3306;Database={machine.database};UID={machine.reader};"
            f"Password={machine.password}")
    report, _ = await run_plan(settings("mysql://", connection_string=text, table="orders"))
    assert codes(report) == ["config.connstring_unknown_key"]
    assert only(report, "config.connstring_unknown_key").evidence["suggestion"] == "PWD"
    assert status(report, "db.sample") == Status.PASS


async def test_no_user_is_no_credentials(machine: MachineMariadb) -> None:
    report, state = await run_plan(settings(f"mysql://127.0.0.1:3306/{machine.database}"))
    assert codes(report) == ["auth.no_credentials"]
    assert state.session is None
