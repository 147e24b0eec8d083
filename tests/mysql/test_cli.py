"""``sourcedoctor check mysql://…`` end to end, secrets kept out of every output, PyMySQL imported
only when a MySQL run reaches the login."""

from __future__ import annotations

import json
import os
import subprocess

from tests.fixtures.fresh import python_output
from tests.fixtures.mariadb import MachineMariadb


def _check(args: list[str], env: dict[str, str],
           stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sourcedoctor", "check", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", **env}, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def test_cli_check_healthy_json(machine: MachineMariadb) -> None:
    run = _check([machine.url(table="orders"), "--password-env", "SD_TEST_PW", "--format", "json",
                  "--timeout", "5"], {"SD_TEST_PW": machine.password})
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["target"]["connector"] == "mysql"
    assert report["verdict"] == "pass" and report["root_cause"] is None
    assert "--password-env" in report["command"]
    assert machine.password not in run.stdout + run.stderr


def test_cli_wrong_password_from_a_connection_string_stays_secret(machine: MachineMariadb) -> None:
    secret = "Wr0ng-Passw0rd-xyz"
    text = (f"Server=127.0.0.1;Port=3306;Database={machine.database};UID={machine.reader};"
            f"PWD={secret}")
    run = _check(["mysql://", "--connection-string-stdin", "--table", "orders", "--format", "json"],
                 {}, stdin=text + "\n")
    assert run.returncode != 0
    report = json.loads(run.stdout)
    assert report["root_cause"]["code"] == "db.password_rejected"
    assert secret not in run.stdout + run.stderr
    assert report["target"]["connection_string"] == "set"


def test_cli_unreadable_connection_string_is_a_finding_without_its_value(machine: MachineMariadb) -> None:
    run = _check(["mysql://", "--connection-string-env", "SD_TEST_CS", "--format", "json"],
                 {"SD_TEST_CS": "PWD=abc\x01def"})
    assert run.returncode != 0 and "Traceback" not in run.stderr
    report = json.loads(run.stdout)
    assert report["root_cause"]["code"] in ("config.connstring_invalid", "config.invalid")
    assert "abc" not in run.stdout + run.stderr


def _modules_after(code: str) -> str:
    return python_output(code, report_modules=("pymysql",))


def test_sftp_check_and_mysql_plan_do_not_import_pymysql() -> None:
    out = _modules_after(
        "import sourcedoctor.api, sourcedoctor.runner, sourcedoctor.cli\n"
        "from sourcedoctor import connectors\n"
        "connectors.get('sftp').plan\n"
        "my = connectors.for_url('mysql://u@h/db')\n"
        "from sourcedoctor.targets import AEP\n"
        "my.plan(my.settings('mysql://u@h/db?table=t'), AEP)\n")
    assert "MODULES []" in out


def test_help_does_not_import_pymysql() -> None:
    out = _modules_after("from sourcedoctor.cli import main\ntry:\n    main(['--help'])\n"
                         "except SystemExit:\n    pass\n")
    assert "MODULES []" in out
