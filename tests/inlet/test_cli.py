"""``sourcedoctor check https://…/collection/ID`` as a user runs it (a subprocess) against the local
HTTPS inlet: the URL picks the connector, the token comes from the environment and never shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.tls import Certificates
from tests.inlet.helpers import write_lines, xdm
from tests.inlet.peer import TOKEN, InletPeer


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "150", **(env or {})}
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=full,
                          timeout=120, check=False, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def test_check_json_dry_run_passes_and_writes_nothing(inlet: InletPeer, certs: Certificates,
                                                      tmp_path: Path) -> None:
    inlet.b.authenticated = True
    records = write_lines(tmp_path / "r.json", xdm())
    proc = run("check", inlet.collection_url(), "--token-env", "T", "--file", str(records),
               "--ca-bundle", str(certs.ca_pem), "--format", "json", env={"T": TOKEN})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["verdict"] == "pass" and report["target"]["connector"] == "inlet"
    send = next(c for c in report["checks"] if c["id"] == "stream.send")
    assert send["status"] == "skip" and "nothing was sent" in json.dumps(send)
    assert TOKEN not in proc.stdout and TOKEN not in proc.stderr
    assert "--token-env" in report["command"] and "--send" not in report["command"]
    assert inlet.b.record_posts == 0


def test_check_send_writes_one_record(inlet: InletPeer, certs: Certificates, tmp_path: Path) -> None:
    records = write_lines(tmp_path / "r.json", xdm(), xdm(_id="2"))
    proc = run("check", inlet.collection_url(), "--file", str(records), "--send",
               "--ca-bundle", str(certs.ca_pem), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert inlet.b.record_posts == 1


def test_token_from_stdin_is_never_printed_even_when_refused(inlet: InletPeer, certs: Certificates) -> None:
    inlet.b.authenticated = True
    secret = "stdin-token-that-the-inlet-refuses-7f3a9c"
    proc = run("check", inlet.collection_url(), "--token-stdin", "--ca-bundle", str(certs.ca_pem),
               "--format", "json", stdin=secret + "\n")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["root_cause"]["code"] == "stream.token_refused"
    assert secret not in proc.stdout and secret not in proc.stderr


def test_token_is_not_an_argv_option() -> None:
    proc = run("check", "https://dcs.adobedc.net/collection/" + "a" * 64, "--token", "abc")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_bad_urls_and_files_are_one_line_errors(tmp_path: Path) -> None:
    base = "https://127.0.0.1:9/collection/"
    for args in ([base + "a" * 64 + "\x07x"], [base], [base + "a" * 64, "--file", "/dev/zero"],
                 [base + "a" * 64, "--file", str(tmp_path / "missing.json")],
                 ["https://" + "h" * 300 + "/collection/" + "a" * 64]):
        proc = run("check", *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stderr.strip().startswith("error:"), proc.stderr


def test_bad_record_files_are_findings_not_tracebacks(inlet: InletPeer, certs: Certificates,
                                                      tmp_path: Path) -> None:
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + os.urandom(2000))
    huge = tmp_path / "huge.json"
    with huge.open("wb") as fh:  # over the 16 MiB records-file cap: refused, never read whole
        fh.truncate(17 << 20)
    nul = tmp_path / "nul.json"
    nul.write_text(r'{"a": "x\u0000y"}' + '\n')  # an escaped NUL inside a string is valid JSON
    million = write_lines(tmp_path / "m.json", xdm(note="z" * (1 << 20)))
    expected = {binary: "data.format_unknown", huge: "config.invalid", nul: None,
                million: "stream.payload_too_large"}
    for path, code in expected.items():
        proc = run("check", inlet.collection_url(), "--file", str(path), "--flow-id", "f",
                   "--ca-bundle", str(certs.ca_pem), "--format", "json")
        assert "Traceback" not in proc.stderr, proc.stderr
        report = json.loads(proc.stdout)
        got = (report["root_cause"] or {}).get("code")
        assert got == code, (path.name, got)
    assert inlet.b.record_posts == 0


def test_connectors_lists_the_inlet() -> None:
    proc = run("connectors", "--format", "json")
    names = {row["name"]: row for row in json.loads(proc.stdout)}
    assert {"inlet", "eventhubs", "pubsub"} <= set(names)
    assert any(o.startswith("--token-env") for o in names["inlet"]["options"])


def test_checking_an_inlet_and_help_import_no_http_client_module() -> None:
    code = (
        "import sys\n"
        "from sourcedoctor import connectors\n"
        "c = connectors.for_url('https://dcs.adobedc.net/collection/' + 'a' * 64)\n"
        "from sourcedoctor.targets import GENERIC\n"
        "c.plan(c.settings('https://dcs.adobedc.net/collection/' + 'a' * 64), GENERIC)\n"
        "connectors.for_url('s3://b').plan\n"
        "from sourcedoctor.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "mods = ('aiohttp', 'sourcedoctor.connectors.inlet.client')\n"
        "print('MODULES', sorted(m for m in mods if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "MODULES []" in proc.stdout, proc.stdout + proc.stderr


def test_preview_shows_the_records_as_a_table_without_any_request(
        inlet: InletPeer, certs: Certificates, tmp_path: Path) -> None:
    records = write_lines(tmp_path / "r.json", xdm(), xdm(_id="2"))
    proc = run("preview", inlet.collection_url(), "--file", str(records), "--ca-bundle",
               str(certs.ca_pem), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    sample = json.loads(proc.stdout)["samples"][0]
    names = [c["name"] for c in sample["columns"]]
    assert "person.name.firstName" in names
    assert next(c for c in sample["columns"] if c["name"] == "timestamp")["platform_type"] == "date-time"
    assert inlet.b.record_posts == 0 and inlet.b.empty_posts == 0  # the records are local
