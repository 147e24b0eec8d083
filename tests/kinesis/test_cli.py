"""``sourcedoctor check kinesis://…`` as a user runs it (a subprocess) against moto; the secret
comes from the environment and appears in no output."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.fixtures.tls import Certificates
from tests.kinesis.conftest import KinesisMoto


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "150", **env}
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=full,
                          timeout=120, check=False, stdin=subprocess.DEVNULL)


def test_healthy_stream_json_and_secret_in_no_output(moto: KinesisMoto, certs: Certificates) -> None:
    keys = moto.keys["reader"]
    for fmt in ("json", "text"):
        proc = run("check", "kinesis://clicks?region=us-east-1", "--endpoint-url", moto.endpoint,
                   "--ca-bundle", str(certs.ca_pem), "--access-key-id", keys.access_key_id,
                   "--secret-access-key-env", "KIN_SECRET", "--format", fmt,
                   env={"KIN_SECRET": keys.secret_access_key})
        assert proc.returncode == 0, proc.stderr
        assert keys.secret_access_key not in proc.stdout + proc.stderr
        if fmt == "json":
            report = json.loads(proc.stdout)
            assert report["verdict"] == "pass" and report["target"]["connector"] == "kinesis"
            assert report["target"]["secret_access_key"] == "set"
            assert "--secret-access-key-env KIN_SECRET" in report["command"]  # the user's variable


def test_denied_user_exit_1_names_the_action(moto: KinesisMoto, certs: Certificates) -> None:
    keys = moto.keys["describer"]
    proc = run("check", "kinesis://clicks?region=us-east-1", "--endpoint-url", moto.endpoint,
               "--ca-bundle", str(certs.ca_pem), "--access-key-id", keys.access_key_id,
               "--secret-access-key-env", "KIN_SECRET", "--format", "json",
               env={"KIN_SECRET": keys.secret_access_key})
    assert proc.returncode == 1, proc.stderr
    root = json.loads(proc.stdout)["root_cause"]
    assert root["code"] == "kinesis.access_denied" and "kinesis:GetShardIterator" in root["summary"]
    assert keys.secret_access_key not in proc.stdout + proc.stderr


def test_secret_never_from_argv() -> None:
    proc = run("check", "kinesis://s?region=us-east-1", "--secret-access-key", "abc", env={})
    assert proc.returncode == 2


def _opts(moto: KinesisMoto, certs: Certificates, user: str = "reader") -> list[str]:
    return ["--endpoint-url", moto.endpoint, "--ca-bundle", str(certs.ca_pem),
            "--access-key-id", moto.keys[user].access_key_id, "--secret-access-key-env", "KIN_SECRET"]


def test_ingest_default_rows_and_all(moto: KinesisMoto, certs: Certificates, tmp_path: Path) -> None:
    env = {"KIN_SECRET": moto.keys["reader"].secret_access_key}
    lake = str(tmp_path / "lake.duckdb")
    for extra in ([], ["--rows", "all", "--force"]):  # ingest's --rows, not the check's cap
        proc = run("ingest", "kinesis://clicks?region=us-east-1", *_opts(moto, certs), "--dataset",
                   "clicks", "--lake", lake, "--format", "json", *extra, env=env)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["rows_ingested"] == 3
    listed = run("lake", "batches", "--lake", lake, env={})
    assert listed.returncode == 0 and "clicks [3 rows]" in listed.stdout, listed.stderr
