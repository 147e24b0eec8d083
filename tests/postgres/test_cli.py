"""``sourcedoctor check postgresql://…`` end to end, secrets kept out of every output, asyncpg
imported only when a PostgreSQL run reaches the login."""

from __future__ import annotations

import json
import os
import subprocess

from tests.fixtures.fresh import python_output
from tests.fixtures.postgres import PrivateCluster
from tests.postgres.conftest import READER_PASSWORD


def _check(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sourcedoctor", "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", **env},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def test_cli_check_healthy_json(pg: PrivateCluster) -> None:
    run = _check(
        [
            f"postgresql://reader@127.0.0.1:{pg.port}/shop?table=sales.orders",
            "--password-env",
            "SD_PG_PW",
            "--format",
            "json",
            "--timeout",
            "5",
        ],
        {"SD_PG_PW": READER_PASSWORD},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["target"]["connector"] == "postgres" and report["verdict"] == "pass"
    assert "--password-env SD_PG_PW" in report["command"]  # the variable this command line named
    assert READER_PASSWORD not in run.stdout + run.stderr


def test_cli_wrong_password_in_a_pasted_string_stays_secret(pg: PrivateCluster) -> None:
    secret = "Wr0ng-Passw0rd-pg"
    text = f"Server=127.0.0.1;Port={pg.port};Database=shop;UID=reader;Password={secret};EncryptionMethod=0"
    run = _check(
        ["postgresql://", "--connection-string-stdin", "--table", "sales.orders", "--format", "json"],
        {},
        stdin=text + "\n",
    )
    assert run.returncode != 0
    report = json.loads(run.stdout)
    assert report["root_cause"]["code"] == "db.password_rejected"
    assert report["target"]["connection_string"] == "set" and report["target"]["password"] == "set"
    assert secret not in run.stdout + run.stderr
    assert "--connection-string-stdin" in report["command"]  # as this command line gave it


def test_cli_unreadable_connection_string_is_a_finding_without_its_value() -> None:
    run = _check(
        ["postgresql://", "--connection-string-env", "SD_PG_CS", "--format", "json"],
        {"SD_PG_CS": "Password=abc\x01def"},
    )
    assert run.returncode != 0 and "Traceback" not in run.stderr
    report = json.loads(run.stdout)
    assert report["root_cause"]["code"] in ("config.connstring_invalid", "config.invalid")
    assert "abc" not in run.stdout + run.stderr


def _modules_after(code: str) -> str:
    return python_output(code, report_modules=("asyncpg",))


def test_sftp_check_and_postgres_plan_do_not_import_asyncpg() -> None:
    out = _modules_after(
        "import sourcedoctor.api, sourcedoctor.runner, sourcedoctor.cli\n"
        "from sourcedoctor import connectors\n"
        "connectors.get('sftp').plan\n"
        "pg = connectors.for_url('postgresql://u@h/db')\n"
        "from sourcedoctor.targets import AEP\n"
        "pg.plan(pg.settings('postgresql://u@h/db?table=s.t'), AEP)\n"
    )
    assert "MODULES []" in out


def test_help_does_not_import_asyncpg() -> None:
    out = _modules_after(
        "from sourcedoctor.cli import main\ntry:\n    main(['check', 'postgresql://', '--help'])\n"
        "except SystemExit:\n    pass\n"
    )
    assert "MODULES []" in out
