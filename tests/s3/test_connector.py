"""The S3 connector as the registry, CLI and TUI see it: found by scheme, its command line and
report block carry no secret, its redactor masks every secret it signs with, findings point at
settings fields — and botocore stays unloaded until an S3 run needs it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sourcedoctor import connectors
from sourcedoctor.codes import make_finding
from sourcedoctor.connectors.base import Connector
from sourcedoctor.connectors.s3.client import S3Answer
from sourcedoctor.connectors.s3.settings import S3Settings

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE0123456789"


def s3_settings(**values: object) -> S3Settings:
    base = {"access_key_id": "AKIAEXAMPLE0000", "secret_access_key": SECRET, "session_token": TOKEN,
            "endpoint_url": "https://minio.example.com:9000"}
    return connectors.get("s3").settings("s3://data/in", **{**base, **values})  # type: ignore[return-value]


def test_registry_finds_the_connector_by_name_and_both_schemes() -> None:
    assert "s3" in connectors.names()
    s3 = connectors.get("s3")
    assert isinstance(s3, Connector)
    assert connectors.for_url("s3://data/in") is s3 and connectors.for_url("GS://lake") is s3
    assert s3.audiences["path"] == "the bucket owner"


def test_reproduce_command_and_target_block_hold_no_secret() -> None:
    s3 = connectors.get("s3")
    s = s3_settings(region="eu-west-1")
    command = s3.reproduce(s, "aep", 10.0)
    assert command.split() == [
        "sourcedoctor", "check", "s3://data/in", "--endpoint-url", "https://minio.example.com:9000",
        "--access-key-id", "AKIAEXAMPLE0000", "--secret-access-key-env", "S3_SECRET_ACCESS_KEY",
        "--session-token-env", "S3_SESSION_TOKEN", "--region", "eu-west-1", "--target", "aep"]
    block = s3.target_block(s, "aep")
    assert block["connector"] == "s3" and block["profile"] == "aep"
    assert block["secret_access_key"] == "set" and block["session_token"] == "set"
    assert SECRET not in repr(block) and TOKEN not in repr(block)


def test_redactor_masks_the_secrets_including_the_environment_ones(
        monkeypatch: pytest.MonkeyPatch) -> None:
    env_secret = "EnvSecretValue/abcdefghijklmnopqrstuvwxyz0"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", env_secret)
    red = connectors.get("s3").redactor(s3_settings())
    text = red.text(f"got {SECRET} and {TOKEN} and {env_secret}")
    assert SECRET not in text and TOKEN not in text and env_secret not in text


@pytest.mark.parametrize(("code", "field"), [
    ("s3.invalid_access_key", "access_key_id"), ("s3.signature_mismatch", "secret_access_key"),
    ("s3.token_expired", "session_token"), ("s3.wrong_region", "endpoint_url"),
    ("s3.bucket_name_has_folder", "bucket"), ("tls.untrusted", "ca_bundle"),
    ("tls.expired", "endpoint_url"), ("path.empty", "folder"), ("s3.access_denied", None),
])
def test_findings_point_at_settings_fields(code: str, field: str | None) -> None:
    s3 = connectors.get("s3")
    assert s3.field_for(make_finding(code, "x")) == field
    if field is not None:
        assert field in S3Settings.model_fields


def test_config_invalid_points_at_the_field_it_names_by_alias() -> None:
    finding = make_finding("config.invalid", "x", evidence={"field": "serviceUrl"})
    assert connectors.get("s3").field_for(finding) == "endpoint_url"


def test_every_setting_has_help_and_secrets_are_marked() -> None:
    for name, info in S3Settings.model_fields.items():
        assert info.description, name
    extra = {n: i.json_schema_extra for n, i in S3Settings.model_fields.items()}
    assert extra["endpoint_url"] == {"cli": "--endpoint-url"}  # type: ignore[comparison-overlap]
    assert extra["access_key_id"] == {"cli": "--access-key-id"}  # type: ignore[comparison-overlap]
    assert extra["secret_access_key"] == {"cli": "--secret-access-key", "secret": True}  # type: ignore[comparison-overlap]
    assert extra["session_token"] == {"cli": "--session-token", "secret": True}  # type: ignore[comparison-overlap]


def test_engine_sftp_connector_and_s3_settings_do_not_import_botocore() -> None:
    code = (
        "import sys\n"
        "import sourcedoctor.api, sourcedoctor.runner, sourcedoctor.cli\n"
        "from sourcedoctor import connectors\n"
        "connectors.get('sftp').plan\n"
        "s3 = connectors.for_url('s3://data/in')\n"
        "from sourcedoctor.targets import GENERIC\n"
        "s3.plan(s3.settings('s3://data/in'), GENERIC)\n"
        "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_help_does_not_import_botocore() -> None:
    code = (
        "import sys\n"
        "from sourcedoctor.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', sorted(m for m in ('boto3', 'botocore') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "MODULES []" in run.stdout, run.stdout + run.stderr


def test_error_evidence_keeps_the_canonical_request_not_the_signature() -> None:
    answer = S3Answer(False, code="SignatureDoesNotMatch", message="m", status=403, error={
        "Code": "SignatureDoesNotMatch", "CanonicalRequest": "GET\n/data\n", "SignatureProvided": "ab12",
        "StringToSignBytes": "47 45 54", "AWSAccessKeyId": "AKIAEXAMPLE0000"})
    assert answer.evidence()["error_fields"] == {"CanonicalRequest": "GET\n/data\n",
                                                 "AWSAccessKeyId": "AKIAEXAMPLE0000"}
