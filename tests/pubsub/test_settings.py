"""Pub/Sub, settings only: every pubsub.* code from parsing real-shaped keys (an RSA key made by
cryptography, serialised as Google writes it), a healthy control, the live layers skipped as not
testable offline, the CLI, bad input, and the key never in the output."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sourcedoctor import api
from sourcedoctor.config.urls import SettingsError
from sourcedoctor.connectors import get
from sourcedoctor.model import Report, Severity, Status
from sourcedoctor.runner import run_to_report


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def key_doc(pem: str, **over: Any) -> dict[str, Any]:
    doc = {"type": "service_account", "project_id": "acme-data-1", "private_key_id": "0" * 40,
           "private_key": pem, "client_email": "aep-reader@acme-data-1.iam.gserviceaccount.com",
           "client_id": "1234567890", "token_uri": "https://oauth2.googleapis.com/token"}
    doc.update(over)
    return doc


async def diagnose(url: str = "pubsub://acme-data-1/orders-sub", **values: Any) -> Report:
    return await run_to_report(api.runner(get("pubsub").settings(url, **values), timeout=5.0))


def codes(report: Report) -> list[str]:
    return [f.code for r in report.checks for f in r.findings]


async def test_healthy_key_passes_and_live_layers_are_skipped_as_offline(pem: str) -> None:
    report = await diagnose(credentials=json.dumps(key_doc(pem), indent=2))
    assert [f for r in report.checks for f in r.findings if f.severity >= Severity.WARN] == []
    live = report.result("pubsub.live")
    assert live is not None and live.status == Status.SKIP and "not testable offline" in live.facts["skipped"]


async def test_empty_url_takes_the_project_from_the_key(pem: str) -> None:
    report = await diagnose("pubsub://", credentials=json.dumps(key_doc(pem)))
    assert codes(report) == []


async def test_smart_quotes_trailing_text_and_truncation(pem: str) -> None:
    text = json.dumps(key_doc(pem))
    for mangled in (text.replace('"type"', "\u201ctype\u201d"), text + "\n}", text[:200],
                    "/home/me/key.json"):
        report = await diagnose(credentials=mangled)
        assert codes(report) == ["pubsub.credentials_not_json"], mangled[:30]


async def test_flattened_private_key(pem: str) -> None:
    for key in (pem.replace("\n", " "), pem.replace("\n", "\\n")):
        report = await diagnose(credentials=json.dumps(key_doc(pem, private_key=key)))
        f = next(f for r in report.checks for f in r.findings if f.code == "pubsub.private_key_mangled")
        assert "aep-reader@" in f.fix[1]


async def test_not_a_service_account(pem: str) -> None:
    doc = key_doc(pem, type="authorized_user")
    del doc["client_email"]
    report = await diagnose(credentials=json.dumps(doc))
    f = next(f for r in report.checks for f in r.findings if f.code == "pubsub.credentials_incomplete")
    assert "client_email is missing" in f.evidence["problems"]


async def test_project_rules_names_and_mismatch(pem: str) -> None:
    assert "pubsub.project_id_invalid" in codes(await diagnose("pubsub://Acme_Data/sub-1"))
    assert "pubsub.project_id_invalid" in codes(await diagnose("pubsub://123456789012/sub-1"))
    assert "pubsub.name_invalid" in codes(await diagnose("pubsub://acme-data-1/goog-sub"))
    assert "pubsub.name_invalid" in codes(await diagnose("pubsub://acme-data-1/topics/x"))
    report = await diagnose("pubsub://other-project/orders-sub", credentials=json.dumps(key_doc(pem)))
    assert "pubsub.project_mismatch" in codes(report)
    full = await diagnose("pubsub://", subscription="projects/acme-data-1/subscriptions/orders-sub",
                          credentials=json.dumps(key_doc(pem)))
    assert codes(full) == []


async def test_no_credentials() -> None:
    assert "auth.no_credentials" in codes(await diagnose())


def test_bad_input_is_a_settings_error() -> None:
    with pytest.raises(SettingsError) as err:
        get("pubsub").settings("pubsub://p/s", credentials="{" + " " * (1 << 20))
    assert err.value.field == "credentials"
    with pytest.raises(SettingsError):
        get("pubsub").settings("pubsub://p/a/b/c")
    with pytest.raises(SettingsError):
        get("pubsub").settings("pubsub://p/s\x00")


def test_cli_json_keeps_the_key_out(pem: str) -> None:
    env = {**os.environ, "KEY": json.dumps(key_doc(pem, private_key=pem.replace("\n", " "))), "NO_COLOR": "1"}
    proc = subprocess.run(["sourcedoctor", "check", "pubsub://acme-data-1/orders-sub", "--credentials-env",
                           "KEY", "--format", "json"], capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["root_cause"]["code"] == "pubsub.private_key_mangled"
    body = pem.splitlines()[1]
    assert body not in proc.stdout and body not in proc.stderr


def test_cli_text_says_the_service_was_not_checked(pem: str) -> None:
    env = {**os.environ, "KEY": json.dumps(key_doc(pem)), "NO_COLOR": "1", "COLUMNS": "300"}
    proc = subprocess.run(["sourcedoctor", "check", "pubsub://acme-data-1/orders-sub", "--credentials-env",
                           "KEY"], capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "every layer works" not in out and "the live service was not checked" in out
    assert "check by hand: gcloud pubsub subscriptions describe orders-sub" in out


def test_cli_reads_a_key_file_as_it_is_from_stdin(pem: str) -> None:
    """--credentials-stdin takes the whole pasted JSON document, line breaks and all (a password
    on stdin is one line; a service-account key is a file)."""
    pretty = json.dumps(key_doc(pem), indent=2)  # a key file as Google hands it out: many lines
    assert pretty.count("\n") > 5
    proc = subprocess.run(["sourcedoctor", "check", "pubsub://acme-data-1/orders-sub",
                           "--credentials-stdin", "--format", "json"], input=pretty,
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert not [f for c in report["checks"] for f in c["findings"]
                if f["severity"] in ("fail", "error")], report["checks"]
    assert pem.splitlines()[1] not in proc.stdout + proc.stderr
