"""``sourcedoctor check|preview|ingest azblob://…`` as a user runs them (a subprocess) against
Azurite: the URL's scheme picks the connector, the options come from its settings model, and the
connection string or SAS URI comes from the environment or stdin — never argv, never output."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb

from tests.fixtures.azurite import KEY, Azurite


def run(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "150", **env}
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=full,
                          timeout=120, check=False, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def test_check_with_a_connection_string_from_the_environment(azurite: Azurite) -> None:
    proc = run("check", "azblob:///data/in", "--connection-string-env", "AZ_CS", "--format", "json",
               env={"AZ_CS": azurite.connection_string()})
    assert proc.returncode == 0, proc.stderr  # a warning (plain http) is not a failure
    report = json.loads(proc.stdout)
    assert report["target"]["connector"] == "azblob" and report["target"]["auth_method"] == "account_key"
    assert report["verdict"] == "warn" and report["root_cause"] is None
    warned = [f["code"] for c in report["checks"] for f in c["findings"]]
    assert warned == ["tls.plaintext"]
    assert "--connection-string-env AZ_CS" in report["command"]  # the variable this command line named


def test_check_wrong_key_exits_1_with_auth_failed(azurite: Azurite) -> None:
    proc = run("check", "azblob:///data/in", "--connection-string-env", "AZ_CS", "--format", "json",
               env={"AZ_CS": azurite.connection_string(key=KEY[:-4] + "AAA=")})
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["root_cause"]["code"] == "blob.auth_failed"


def test_secrets_never_in_json_text_or_reproduce_command(azurite: Azurite, tmp_path: Path) -> None:
    uri = azurite.sas_uri(expiry=None, permission=None, policy_id="listonly", container="policied")
    sig = uri.rsplit("sig=", 1)[1]
    token = uri.split("?", 1)[1]
    for fmt in ("json", "text"):
        proc = run("check", "azblob://", "--sas-uri-env", "AZ_SAS", "--format", fmt,
                   env={"AZ_SAS": uri})
        if fmt == "json":
            assert json.loads(proc.stdout)["command"] == (
                "sourcedoctor check azblob://devstoreaccount1/policied --sas-uri-env AZ_SAS")
        assert proc.returncode == 1, proc.stderr  # the policy lacks r: permission denied
        both = proc.stdout + proc.stderr
        assert "blob.permission_denied" in both
        for secret in (sig, token, uri):
            assert secret not in both, fmt
        assert "sig=" not in both
    cs = azurite.connection_string()
    proc = run("check", "azblob:///data/in", "--connection-string-env", "AZ_CS", "--format", "json",
               "--output", str(tmp_path / "r.json"), env={"AZ_CS": cs})
    written = (tmp_path / "r.json").read_text()
    assert KEY not in written + proc.stdout + proc.stderr


def test_secret_is_never_an_argv_option_and_stdin_works(azurite: Azurite) -> None:
    proc = run("check", "azblob:///data", "--connection-string", "x", env={})
    assert proc.returncode == 2  # no such option: a secret cannot be typed on the command line
    piped = run("check", "azblob:///data/in", "--connection-string-stdin", "--format", "json",
                env={}, stdin=azurite.connection_string() + "\n")
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["root_cause"] is None


def test_bad_pasted_values_through_the_cli_are_findings_not_tracebacks() -> None:
    for value in ("\x00garbage\x00", "A" * (1 << 20) + "\n", "AccountName=;;;=;AccountKey"):
        proc = run("check", "azblob://acct/data", "--connection-string-stdin", "--format", "json",
                   env={}, stdin=value)
        assert "Traceback" not in proc.stderr
        assert proc.returncode in (1, 2), proc.stderr
        if proc.returncode == 1:
            report = json.loads(proc.stdout)
            assert report["root_cause"]["check"] == "config.settings"
            assert "garbage" not in proc.stdout and "A" * 100 not in proc.stdout
        else:
            assert len(proc.stderr) < 500  # one line naming the option
    sas = run("check", "azblob://", "--sas-uri-env", "AZ_SAS", "--format", "json",
              env={"AZ_SAS": "https://" + "a" * 5000 + ".example/\x01?sig=1"})
    assert sas.returncode == 1 and "Traceback" not in sas.stderr
    assert json.loads(sas.stdout)["root_cause"]["code"] == "blob.sas_invalid"


def test_preview_reads_a_csv_blob(azurite: Azurite) -> None:
    proc = run("preview", "azblob:///data/in", "--connection-string-env", "AZ_CS", "--file", "a.csv",
               "--format", "json", env={"AZ_CS": azurite.connection_string()})
    assert proc.returncode == 0, proc.stderr
    text = json.dumps(json.loads(proc.stdout))
    assert "alice" in text and "carol" in text  # the rows of in/a.csv, read by ranged GETs


def test_ingest_lands_the_blobs_in_the_lake(azurite: Azurite, tmp_path: Path) -> None:
    lake = tmp_path / "lake.duckdb"
    env = {"AZ_SAS": azurite.sas_uri()}
    proc = run("ingest", "azblob:///data/in", "--sas-uri-env", "AZ_SAS", "--dataset", "orders",
               "--lake", str(lake), "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(lake), read_only=True)
    names = sorted(r[0] for r in con.execute("SELECT name FROM orders").fetchall())
    source = con.execute("SELECT source FROM batches").fetchone()
    con.close()
    assert names == ["alice", "bob", "carol", "dave"]  # in/a.csv and in/b.csv
    assert source is not None and source[0].startswith("azblob://devstoreaccount1/data/in")
    assert "sig=" not in proc.stdout + proc.stderr


def _put(azurite: Azurite, container: str, blobs: dict[str, bytes]) -> None:
    """Seed a container of this test's own (the session's ``data`` stays as documented)."""
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient(azurite.endpoint, credential={"account_name": "devstoreaccount1",
                                                              "account_key": KEY}, retry_total=0)
    with service:
        client = service.get_container_client(container)
        if not client.exists():
            client.create_container()
        for name, body in blobs.items():
            client.upload_blob(name, body, overwrite=True)


def test_ingest_labels_each_blob_by_its_own_url(azurite: Azurite, tmp_path: Path) -> None:
    # The folder URL already names inbound/daily: a blob is that URL + its name, not the folder
    # twice (the listing names blobs from the container's root).
    _put(azurite, "exports", {"inbound/daily/a.csv": b"id,name\n1,alice\n"})
    lake = tmp_path / "lake.duckdb"
    proc = run("ingest", "azblob:///exports/inbound/daily", "--connection-string-env", "AZ_CS",
               "--dataset", "qa", "--lake", str(lake), "--format", "json",
               env={"AZ_CS": azurite.connection_string()})
    assert proc.returncode == 0, proc.stderr
    files = [f["file"] for f in json.loads(proc.stdout)["files"]]
    assert files == ["azblob://devstoreaccount1/exports/inbound/daily/a.csv"]


def test_a_refused_blob_gives_a_preview_command_that_works(azurite: Azurite,
                                                           tmp_path: Path) -> None:
    _put(azurite, "refused", {"inbound/u16.csv": "id,name\n1,ålice\n".encode("utf-16")})
    env = {"AZ_CS": azurite.connection_string()}
    proc = run("ingest", "azblob:///refused/inbound", "--connection-string-env", "AZ_CS",
               "--dataset", "qa", "--lake", str(tmp_path / "lake.duckdb"), "--format", "json",
               env=env)
    assert proc.returncode == 1, proc.stderr
    refused = json.loads(proc.stdout)
    assert refused["refused"] == "azblob://devstoreaccount1/refused/inbound/u16.csv"
    command = refused["preview_command"]
    assert command.startswith("sourcedoctor preview azblob://devstoreaccount1/refused/inbound ")
    assert "--connection-string-env" in command and "--file u16.csv" in command
    # The command runs as printed (the variable named in it holds the secret).
    args = command.split()[1:]
    preview = run(*args, "--format", "json", env={**env, "AZURE_STORAGE_CONNECTION_STRING":
                                                  azurite.connection_string()})
    assert "Traceback" not in preview.stderr
    assert preview.returncode in (0, 1)
    assert "u16.csv" in preview.stdout and "utf-16" in preview.stdout, preview.stderr
    # The text preview says what the ingest refused, with the same fix (preview and ingest agree).
    text = run(*args, env={**env, "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string()})
    assert "cannot ingest: data.encoding" in text.stderr and "iconv" in text.stderr, text.stderr


def test_quoted_or_line_broken_pasted_values_get_the_paste_fix(azurite: Azurite) -> None:
    quoted = run("check", "azblob:///data/in", "--connection-string-env", "X4", "--format", "json",
                 env={"X4": f'"{azurite.connection_string()}"'})
    assert quoted.returncode == 1, quoted.stderr
    root = json.loads(quoted.stdout)["root_cause"]
    assert root["code"] == "blob.connection_string_invalid"
    assert "wrapped in quotes" in root["summary"] and "did you mean" not in root["summary"]
    assert root["fix"][0].startswith("Remove the quotes around connectionString")
    broken = run("check", "azblob:///data/in", "--sas-uri-env", "AZ_SAS", "--format", "json",
                 env={"AZ_SAS": azurite.sas_uri() + "\n"})
    assert broken.returncode == 1, broken.stderr
    root = json.loads(broken.stdout)["root_cause"]
    assert root["code"] == "blob.sas_invalid" and "line break" in root["summary"]
    assert root["fix"][0].startswith("Remove the trailing line break from sasUri")
    assert not any("not only the token" in step for step in root["fix"])
    assert "sig=" not in broken.stdout + broken.stderr
