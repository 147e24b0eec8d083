"""QA report on the database connectors, MySQL side, against the machine's MariaDB: a wrong or
hidden database told apart (item 4), tls.plaintext with a database fix (5), a view's delta column
(7), the account the server saw (10), tcp.refused's port advice (12), an unknown user's fix (13),
the server's own databases left out of listings (14)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sourcedoctor.connectors.mysql.client import login
from sourcedoctor.connectors.mysql.source import MysqlSource
from sourcedoctor.model import Severity
from tests.fixtures.mariadb import MachineMariadb, random_name
from tests.mysql.helpers import codes, only, run_plan, settings


async def test_misspelt_database_is_not_found_with_the_closest(machine: MachineMariadb) -> None:
    wrong = machine.database + "x"
    report, _ = await run_plan(settings(machine.url(table="orders", database=wrong),
                                        password=machine.password))
    f = only(report, "db.database_not_found")
    assert f.evidence["errno"] == 1044 and f.evidence["close_matches"] == [machine.database]
    assert f"closest: {machine.database}" in f.summary
    assert "GRANT" in f.evidence["also_possible"]  # said, as the other reading of 1044


@pytest.fixture
def lister(machine: MachineMariadb) -> Iterator[str]:
    """A user with the SHOW DATABASES privilege (sees every database) and no other grant."""
    name = random_name("sdl")
    with machine.admin() as a:
        a.run(f"CREATE USER '{name}'@'%' IDENTIFIED BY '{machine.password}'",
              f"GRANT SHOW DATABASES ON *.* TO '{name}'@'%'")
    try:
        yield name
    finally:
        with machine.admin() as a:
            a.run(f"DROP USER IF EXISTS '{name}'@'%'")


async def test_a_user_who_sees_every_database_gets_a_definite_answer(machine: MachineMariadb,
                                                                     lister: str) -> None:
    missing = random_name("nodb")
    report, _ = await run_plan(settings(machine.url(user=lister, database=missing, table="t"),
                                        password=machine.password))
    f = only(report, "db.database_not_found")
    assert f.evidence["sees_all_databases"] is True and "also_possible" not in f.evidence
    # The same user, a database that exists but is not granted: permission, not "not found".
    report, _ = await run_plan(settings(machine.url(user=lister, table="orders"),
                                        password=machine.password))
    f = only(report, "db.permission_denied")
    assert f.evidence["database_exists"] is True
    assert f"GRANT SELECT ON `{machine.database}`.* TO '{lister}'@'%';" in f.fix[0]


async def test_plaintext_under_a_cloud_target_has_the_database_fix(machine: MachineMariadb) -> None:
    report, _ = await run_plan(settings(machine.url(table="orders"), password=machine.password),
                               target="aep")
    f = only(report, "tls.plaintext")
    assert f.severity is Severity.WARN
    assert "ssl_cert" in f.fix[0] and "sslMode=require" in f.fix[1]
    assert not any("https" in step or "endpoint" in step for step in f.fix)
    assert "http://" not in f.summary


@pytest.fixture
def view(machine: MachineMariadb) -> Iterator[str]:
    db = machine.database
    with machine.admin() as a:
        a.run(f"CREATE VIEW `{db}`.orders_v AS SELECT id, customer, updated_at FROM `{db}`.orders",
              f"GRANT SELECT ON `{db}`.orders_v TO '{machine.reader}'@'%'")
    try:
        yield "orders_v"
    finally:
        with machine.admin() as a:
            a.run(f"DROP VIEW IF EXISTS `{db}`.orders_v")


async def test_view_delta_column_has_no_index_question(machine: MachineMariadb, view: str) -> None:
    report, _ = await run_plan(settings(machine.url(table=view), password=machine.password),
                                   target="aep")
    assert "db.delta_not_indexed" not in codes(report)
    delta = next(c for c in report.checks if c.check_id == "db.delta")
    assert delta.facts["indexed"] is None and delta.facts["view"] is True
    assert delta.facts["delta_column"] == "updated_at"


async def test_wrong_password_names_the_host_the_server_saw(machine: MachineMariadb) -> None:
    report, _ = await run_plan(settings(machine.url(table="orders"), password="not-it"))
    f = only(report, "db.password_rejected")
    assert f.evidence["client_host_seen"] == "127.0.0.1"
    assert f"ALTER USER '{machine.reader}'@'127.0.0.1'" in f.fix[0]
    assert f"CREATE USER '{machine.reader}'@'127.0.0.1'" in f.fix[0]  # an unknown user: same 1045
    assert f"WHERE user = '{machine.reader}'" in f.fix[0]


async def test_refused_port_names_mysql_usual_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: refused
        report, _ = await run_plan(settings(f"mysql://u@127.0.0.1:{port}/db"))
    f = only(report, "tcp.refused")
    assert f.fix[0] == f"Check the port number ({port}): MySQL/MariaDB is usually 3306."
    from sourcedoctor.connectors import get

    assert f.audience == get("postgres").audiences["tcp"]  # one cause, one "who acts"


async def test_listing_leaves_out_the_server_databases(machine: MachineMariadb) -> None:
    result = await login(settings(machine.url(), password=machine.password), use_tls=False, timeout=5.0)
    assert result.session is not None
    try:
        source = MysqlSource(result.session, machine.database, mariadb=True, statement_timeout=5.0)
        names = [r.name for r in (await source.relations(None)).relations]
    finally:
        result.session.close()
    assert machine.database in names
    assert not {"information_schema", "mysql", "performance_schema", "sys"} & set(names)


def _command(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    run = subprocess.run(["sourcedoctor", "check", *args, "--format", "json"], capture_output=True,
                         text=True, timeout=60, input=stdin,
                         stdin=None if stdin is not None else subprocess.DEVNULL,
                         env={**os.environ, "NO_COLOR": "1", **env})
    assert "Traceback" not in run.stderr, run.stderr
    return str(json.loads(run.stdout)["command"])


def test_reproduce_repeats_the_users_own_variables(machine: MachineMariadb) -> None:
    url = machine.url(table="orders")
    command = _command([url, "--password-env", "QA_OWN_PW"], {"QA_OWN_PW": machine.password})
    assert command.endswith("--password-env QA_OWN_PW") and "MYSQL_PASSWORD" not in command
    command = _command([url, "--password-stdin"], {}, stdin=machine.password + "\n")
    assert command.endswith("--password-stdin") and "--password-env" not in command
    text = (f"Server=127.0.0.1;Port=3306;Database={machine.database};UID={machine.reader};"
            f"PWD={machine.password}")
    command = _command(["mysql://", "--connection-string-env", "CS", "--table", "orders"], {"CS": text})
    # The password came inside the connection string: no --password flag to repeat.
    assert "--connection-string-env CS" in command and "--password" not in command
    assert machine.password not in command


def test_reproduce_without_a_command_line_names_the_usual_variable() -> None:
    from sourcedoctor.connectors import get

    s = settings("mysql://u@h/db", password="pw-not-shown")
    assert get("mysql").reproduce(s, "generic", 10.0).endswith("--password-env MYSQL_PASSWORD")


def test_report_keeps_the_servers_words_after_password_labels(machine: MachineMariadb) -> None:
    # The 1045 message ends "(using password: YES)"; a Password= key is "(PostgreSQL's spelling)".
    run = subprocess.run(["sourcedoctor", "check", machine.url(table="orders"), "--password-env",
                          "QA_BAD", "--format", "json"], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL, env={**os.environ, "QA_BAD": "wrong-one"})
    assert "(using password: YES))" in json.loads(run.stdout)["root_cause"]["summary"]
    text = (f"Server=127.0.0.1;Port=3306;Database={machine.database};UID={machine.reader};"
            f"Password=abc")
    run = subprocess.run(["sourcedoctor", "check", "mysql://", "--connection-string-env", "CS",
                          "--table", "orders", "--format", "json"], capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL, env={**os.environ, "CS": text})
    report = json.loads(run.stdout)
    said = [f["summary"] for c in report["checks"] for f in c["findings"]
            if f["code"] == "config.connstring_unknown_key"]
    assert said and "not Password= (PostgreSQL's spelling)" in said[0]
    assert "«redacted»" not in json.dumps(report["checks"])


def test_setup_form_puts_table_first_and_names_ssl() -> None:
    from sourcedoctor.connectors import get
    from sourcedoctor.tui.widgets.settings_form import field_specs

    for name in ("mysql", "postgres"):
        specs = {s.name: s for s in field_specs(get(name).settings_model)}
        assert specs["table"].essential, name  # not hidden under "Advanced"
    assert {s.label for s in field_specs(get("mysql").settings_model)} >= {"SSL mode"}


async def test_setup_title_is_the_connectors_title(tmp_path: Path) -> None:
    from textual.widgets import Static

    from sourcedoctor.tui.app import SourceDoctorApp
    from sourcedoctor.tui.profiles import ProfileStore
    from sourcedoctor.tui.screens.setup import SetupScreen

    app = SourceDoctorApp(profiles=ProfileStore(tmp_path / "profiles.json"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = SetupScreen(connector="mysql")
        await app.push_screen(screen)
        await pilot.pause()
        title = str(screen.query_one("#title", Static).render())
    assert title.startswith("New connection: MySQL / MariaDB database") and "MYSQL" not in title


def test_text_after_a_cut_password_is_never_shown(machine: MachineMariadb) -> None:
    piece = "pieceofpw"
    text = (f"Server=127.0.0.1;Port=3306;Database={machine.database};UID={machine.reader};"
            f'PWD=Rd;{piece}=1"x;SslMode=Preferred')
    run = subprocess.run(["sourcedoctor", "check", "mysql://", "--connection-string-env", "CS",
                          "--table", "orders", "--format", "json"], capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL, env={**os.environ, "CS": text})
    assert piece not in run.stdout + run.stderr and '1"x' not in run.stdout
    report = json.loads(run.stdout)
    f = next(f for c in report["checks"] for f in c["findings"]
             if f["code"] == "config.connstring_unknown_key")
    assert f["evidence"]["position"] == text.index(piece) and f["evidence"]["key"] is None
    assert "holds ';'" in f["summary"] and "in braces" in f["fix"][0]


def test_a_known_key_after_the_password_is_still_named() -> None:
    from sourcedoctor.connectors.mysql.connstring import judge

    found = judge("Server=h;UID=u;PWD=abc;Encrypt=yes;Colour=1")
    # Encrypt is a key (another driver's): named; Colour follows it, not the password: named too.
    assert [f.evidence["key"] for f in found] == ["Encrypt", "Colour"]
    quoted = judge("Server=h;UID=u;PWD={ab;cd};Databse=x")
    assert [f.evidence["key"] for f in quoted] == ["Databse"]  # a braced password ends at '}'
