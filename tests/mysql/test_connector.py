"""The connector as the registry sees it, and its RowSource against the machine's MariaDB."""

from __future__ import annotations

from sourcedoctor.codes import make_finding
from sourcedoctor.connectors import for_url, get
from sourcedoctor.connectors.base import Connector
from sourcedoctor.connectors.mysql.client import login
from sourcedoctor.connectors.mysql.source import MysqlSource
from sourcedoctor.sources.rows import RowSource, RowSourceError
from tests.fixtures.mariadb import MachineMariadb
from tests.mysql.helpers import run_plan, settings


def test_registered_for_both_schemes() -> None:
    assert for_url("mysql://u@h/db") is get("mysql")
    assert for_url("MariaDB://u@h/db") is get("mysql")
    assert isinstance(get("mysql"), Connector)


def test_reproduce_and_report_block_hold_no_secret() -> None:
    s = settings("mysql://", connection_string="Server=h;UID=u;PWD=topsecret1;Database=d",
                 ssl_mode="require")
    connector = get("mysql")
    command = connector.reproduce(s, "aep", 10.0)
    assert "topsecret1" not in command
    assert "--password-env MYSQL_PASSWORD" in command and "--ssl-mode require" in command
    block = connector.target_block(s, "aep")
    assert "topsecret1" not in repr(block) and block["password"] == "set"
    redactor = connector.redactor(s)
    assert "topsecret1" not in redactor.text("the password topsecret1 leaked")


def test_findings_point_at_fields() -> None:
    connector = get("mysql")
    cases = {"db.password_rejected": "password", "db.table_not_found": "table",
             "db.tls_unavailable": "ssl_mode", "config.connstring_unknown_key": "connection_string"}
    for code, field in cases.items():
        assert connector.field_for(make_finding(code, "x")) == field


async def test_row_source_lists_and_samples(machine: MachineMariadb) -> None:
    result = await login(settings(machine.url()), use_tls=False, timeout=5.0)
    assert result.failure is not None and result.failure.errno == 1045  # no password given
    result = await login(settings(machine.url(), password=machine.password), use_tls=False, timeout=5.0)
    assert result.session is not None
    source = MysqlSource(result.session, machine.database, mariadb=True, statement_timeout=5.0)
    try:
        assert isinstance(source, RowSource)
        top = await source.relations(limit=1000)
        assert machine.database in [r.name for r in top.relations]
        tables = await source.relations(machine.database, limit=2)
        assert len(tables.relations) == 2 and tables.truncated == 1
        assert all(r.kind == "table" and r.parent == machine.database for r in tables.relations)
        sample = await source.sample("orders", limit=2)
        assert len(sample.rows) == 2 and sample.more is True
        try:
            await source.sample(f"{machine.database}.secrets", limit=2)
        except RowSourceError as exc:
            assert exc.kind == "permission_denied"
        else:
            raise AssertionError("secrets was readable")
    finally:
        result.session.close()


async def test_run_state_hands_out_the_source(machine: MachineMariadb) -> None:
    s = settings(machine.url(table="orders"), password=machine.password)
    _, state = await run_plan(s)
    source, relation = get("mysql").source_of(state)
    assert relation == f"{machine.database}.orders"
    assert isinstance(source, MysqlSource)
