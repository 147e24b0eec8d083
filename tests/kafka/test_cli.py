"""``sourcedoctor check kafka://…`` as a user runs it (a subprocess) against Tansu; secrets only
from the environment and never in any output; confluent-kafka imported only for Kafka runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.fixtures.tansu import TansuBroker


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "150", **(env or {})}
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=full,
                          timeout=120, check=False, stdin=subprocess.DEVNULL)


def test_healthy_topic_json_report(tansu: TansuBroker) -> None:
    proc = run("check", f"kafka://{tansu.bootstrap}/orders", "--consumer-group", "fresh-cli",
               "--rows", "2", "--timeout", "5", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["verdict"] == "pass" and report["root_cause"] is None
    assert report["target"]["connector"] == "kafka"
    records = next(c for c in report["checks"] if c["id"] == "kafka.records")
    assert records["facts"]["read"] == 2
    assert "--consumer-group fresh-cli" in report["command"]


def test_missing_topic_exit_1_with_root_cause(tansu: TansuBroker) -> None:
    proc = run("check", f"kafka://{tansu.bootstrap}/ordres", "--timeout", "5", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["root_cause"]["code"] == "kafka.topic_not_found"


def test_password_never_in_any_output(tansu_auth: TansuBroker) -> None:
    secret = "s3cret-Kafka-Pa55word-0xBEEF"
    for fmt in ("json", "text", "md"):
        proc = run("check", f"kafka://{tansu_auth.bootstrap}/orders", "--sasl-mechanism",
                   "SCRAM-SHA-256", "--username", "flow", "--password-env", "KPW", "--timeout", "3",
                   "--format", fmt, env={"KPW": secret})
        assert proc.returncode == 1, proc.stderr
        assert secret not in proc.stdout and secret not in proc.stderr
        if fmt == "json":
            report = json.loads(proc.stdout)
            assert report["root_cause"]["code"] == "kafka.auth_failed"
            assert report["target"]["password"] == "set"
            # The reproduce command repeats the user's own variable, never the value.
            assert "--password-env KPW" in report["command"]


def test_password_cannot_be_given_in_argv_and_garbage_url_is_one_line() -> None:
    assert run("check", "kafka://b:9092/t", "--password", "abc").returncode == 2
    proc = run("check", "kafka://b:9092/t\x01\x02" + "x" * 5000, "--format", "json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") <= 2


def test_sftp_check_and_help_do_not_import_confluent_kafka() -> None:
    code = (
        "import sys\n"
        "import sourcedoctor.api, sourcedoctor.cli\n"
        "from sourcedoctor import connectors\n"
        "from sourcedoctor.targets import GENERIC\n"
        "connectors.get('sftp').plan\n"
        "k = connectors.for_url('kafka://b:9092/t')\n"
        "k.plan(k.settings('kafka://b:9092/t'), GENERIC)\n"
        "from sourcedoctor.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', sorted(m for m in sys.modules if m.startswith('confluent_kafka')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "MODULES []" in proc.stdout, proc.stdout + proc.stderr


def test_preview_shows_the_records_as_rows(tansu: TansuBroker) -> None:
    proc = run("preview", f"kafka://{tansu.bootstrap}/orders", "--timeout", "5", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "alice" in text and "carol" in text and "address.city" in text


def test_check_without_topic_lists_the_topics_in_text(tansu: TansuBroker) -> None:
    proc = run("check", f"kafka://{tansu.bootstrap}", "--timeout", "5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "internal_error" not in out and "Traceback" not in out
    topic_line = next((line for line in out.splitlines() if "no topic given" in line), out)
    assert "orders" in topic_line and "mixed" in topic_line
