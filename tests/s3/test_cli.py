"""``sourcedoctor check s3://…`` as a user runs it (a subprocess) against moto over HTTPS: the URL's
scheme picks the connector, the options come from its settings model, secrets from the environment."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb

from tests.fixtures.moto import MotoServer
from tests.fixtures.tls import Certificates


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "150", **env}
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=full,
                          timeout=120, check=False, stdin=subprocess.DEVNULL)


def s3_args(moto: MotoServer, certs: Certificates, user: str = "reader") -> list[str]:
    return ["--endpoint-url", moto.endpoint, "--ca-bundle", str(certs.ca_pem), "--region", "us-east-1",
            "--access-key-id", moto.keys[user].access_key_id, "--secret-access-key-env", "S3_SECRET"]


def test_healthy_bucket_passes_with_json_only_on_stdout(open_moto: MotoServer, certs: Certificates) -> None:
    secret = open_moto.keys["reader"].secret_access_key
    proc = run("check", "s3://data/in", *s3_args(open_moto, certs), "--format", "json",
               env={"S3_SECRET": secret})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["verdict"] == "pass" and report["root_cause"] is None
    assert report["target"]["connector"] == "s3"
    assert secret not in proc.stdout and secret not in proc.stderr
    assert "--secret-access-key-env" in report["command"]


def test_wrong_secret_is_signature_mismatch_exit_1(moto: MotoServer, certs: Certificates) -> None:
    proc = run("check", "s3://data/in", *s3_args(moto, certs), "--format", "json",
               env={"S3_SECRET": "w" * 40})
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["root_cause"]["code"] == "s3.signature_mismatch"


def test_secret_never_from_argv_and_unset_variable_is_usage(certs: Certificates) -> None:
    proc = run("check", "s3://data/in", "--secret-access-key", "abc", env={})
    assert proc.returncode == 2  # no such option: a secret cannot be typed on the command line
    unset = run("check", "s3://data/in", "--access-key-id", "AKIAEXAMPLE",
                "--secret-access-key-env", "NO_SUCH_VARIABLE_SET", env={})
    assert unset.returncode == 2 and "NO_SUCH_VARIABLE_SET" in unset.stderr
    assert "Traceback" not in unset.stderr


def test_connectors_lists_both() -> None:
    proc = run("connectors", "--format", "json", env={})
    assert proc.returncode == 0
    names = {row["name"]: row for row in json.loads(proc.stdout)}
    assert set(names) >= {"sftp", "s3"}
    assert "gs" in names["s3"]["schemes"]
    assert any(o.startswith("--secret-access-key-env") for o in names["s3"]["options"])


def test_preview_reads_the_bucket_through_its_options(open_moto: MotoServer, certs: Certificates) -> None:
    proc = run("preview", "s3://data/in", *s3_args(open_moto, certs), "--file", "a.csv",
               "--format", "json", env={"S3_SECRET": open_moto.keys["reader"].secret_access_key})
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    text = json.dumps(result)
    assert "alice" in text and "carol" in text  # the rows of in/a.csv, read by ranged GETs


def test_ingest_lands_the_objects_in_the_lake(open_moto: MotoServer, certs: Certificates,
                                              tmp_path: Path) -> None:
    lake = tmp_path / "lake.duckdb"
    env = {"S3_SECRET": open_moto.keys["reader"].secret_access_key}
    proc = run("ingest", "s3://data/in", *s3_args(open_moto, certs), "--dataset", "orders",
               "--lake", str(lake), "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(lake), read_only=True)
    names = sorted(r[0] for r in con.execute("SELECT name FROM orders").fetchall())
    source = con.execute("SELECT source FROM batches").fetchone()
    con.close()
    assert names == ["alice", "bob", "carol", "dave"]  # in/a.csv and in/b.csv
    assert source is not None and source[0].startswith("s3://data/in")
    # Each object is the folder URL + its name (the listing's key already holds in/).
    assert sorted(f["file"] for f in json.loads(proc.stdout)["files"]) == [
        "s3://data/in/a.csv", "s3://data/in/b.csv"]
    again = run("ingest", "s3://data/in", *s3_args(open_moto, certs), "--dataset", "orders",
                "--lake", str(lake), env=env)
    assert again.returncode == 0  # the same content adds nothing (idempotent), and says so
