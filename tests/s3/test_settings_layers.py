"""What the S3 connector judges before signing anything: URL and platform-field parsing, the
settings layer (bucket naming, folders inside the bucket name, an endpoint holding the bucket),
where the keys come from, and virtual-hosted addressing on an endpoint without wildcard DNS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sourcedoctor.checks.base import Context
from sourcedoctor.config.urls import SettingsError
from sourcedoctor.connectors import get
from sourcedoctor.connectors.s3.checks.credentials import CredentialsCheck
from sourcedoctor.connectors.s3.checks.settings import S3SettingsCheck
from sourcedoctor.connectors.s3.settings import GCS_ENDPOINT, S3Settings
from sourcedoctor.connectors.s3.state import S3State
from sourcedoctor.model import Severity
from sourcedoctor.targets import AEP, GENERIC, TargetProfile
from tests.fixtures.dnsmasq import DnsmasqServer
from tests.s3.helpers import STEP, run_plan

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def settings(url: str = "s3://data/in", **values: Any) -> S3Settings:
    return get("s3").settings(url, **values)  # type: ignore[return-value]


async def layer(check: Any, s: S3Settings, target: TargetProfile = GENERIC) -> Any:
    state = S3State()
    outcome = await check.run(Context(s, state, target, step_timeout=STEP))
    return outcome, state


def test_urls_and_platform_fields() -> None:
    s = settings("s3://data/in/daily")
    assert (s.bucket, s.folder, s.prefix, s.provider, s.endpoint) == (
        "data", "in/daily", "in/daily/", "aws", "https://s3.amazonaws.com")
    g = settings("gs://lake/raw")
    assert (g.endpoint_url, g.provider, g.signing_region, g.addressing) == (
        GCS_ENDPOINT, "gcs", "auto", "path")
    platform = S3Settings.model_validate({
        "bucketName": "data", "folderPath": "in", "s3AccessKey": "AKIAEXAMPLE0000",
        "s3SecretKey": SECRET, "serviceUrl": "https://s3.eu-west-1.amazonaws.com"})
    assert (platform.signing_region, platform.host) == ("eu-west-1", "data.s3.eu-west-1.amazonaws.com")
    gcs = S3Settings.model_validate({"bucketName": "lake", "accessKeyId": "GOOG1EXAMPLE",
                                     "secretAccessKey": SECRET, "serviceUrl": GCS_ENDPOINT})
    assert gcs.access_key_id == "GOOG1EXAMPLE" and gcs.secret_access_key is not None
    assert gcs.public_dict()["secret_access_key"] == "set"
    assert SECRET not in repr(gcs.public_dict()) and SECRET not in repr(gcs)


@pytest.mark.parametrize(("url", "values", "field"), [
    ("s3://data", {"endpoint_url": "https://s3.amazonaws.com/data"}, "endpoint_url"),
    ("s3://data", {"endpoint_url": "ftp://example.com"}, "endpoint_url"),
    ("s3://data", {"region": "EU West"}, "region"),
    ("s3://AKIA:secret@data/in", {}, "url"),
    ("s3://data", {"addressing_style": "sideways"}, "addressing_style"),
    ("s3://data", {"serviceURL": "https://x"}, "serviceURL"),
    ("s3://data", {"ca_bundle": "/no/such/ca.pem"}, "ca_bundle"),
])
def test_bad_settings_name_the_field(url: str, values: dict[str, Any], field: str) -> None:
    with pytest.raises(SettingsError) as err:
        settings(url, **values)
    assert err.value.field == field


async def test_bucket_name_with_folders_gets_the_split() -> None:
    outcome, _ = await layer(S3SettingsCheck(), settings("s3://data", bucket="data/in/daily",
                                                         folder="2026"))
    assert [f.code for f in outcome.findings] == ["s3.bucket_name_has_folder"]
    evidence = outcome.findings[0].evidence
    assert (evidence["bucketName"], evidence["folderPath"]) == ("data", "in/daily/2026")


@pytest.mark.parametrize(("bucket", "generic", "aep"), [
    ("my-data-2026", None, None),
    ("my.data", None, Severity.FAIL),  # dots: valid on S3, refused by the platform
    ("My_Data", Severity.WARN, Severity.FAIL),  # a legacy name: readable, not by the platform
    ("ab", Severity.WARN, Severity.FAIL),
    ("192.168.1.10", Severity.WARN, Severity.FAIL),
])
async def test_bucket_naming_rules_per_target(bucket: str, generic: Severity | None,
                                              aep: Severity | None) -> None:
    for target, expected in ((GENERIC, generic), (AEP, aep)):
        outcome, _ = await layer(S3SettingsCheck(), settings("s3://x", bucket=bucket), target)
        got = [(f.code, f.severity) for f in outcome.findings]
        assert got == ([] if expected is None else [("s3.bucket_name_invalid", expected)]), target.name


async def test_service_url_holding_the_bucket_is_named() -> None:
    s = settings("s3://data", endpoint_url="https://data.s3.eu-west-1.amazonaws.com")
    outcome, _ = await layer(S3SettingsCheck(), s)
    assert [(f.code, f.evidence["field"]) for f in outcome.findings] == [("config.invalid", "endpoint_url")]


async def test_no_keys_anywhere_is_no_credentials() -> None:
    outcome, state = await layer(CredentialsCheck(), settings())
    assert [f.code for f in outcome.findings] == ["auth.no_credentials"]
    assert outcome.findings[0].evidence["missing"] == ["access_key_id", "secret_access_key"]
    assert state.credentials is None


async def test_half_a_key_pair_is_no_credentials_naming_the_missing_half() -> None:
    outcome, _ = await layer(CredentialsCheck(), settings(access_key_id="AKIAEXAMPLE0000"))
    assert [f.code for f in outcome.findings] == ["auth.no_credentials"]
    assert outcome.findings[0].evidence["missing"] == ["secret_access_key"]


async def test_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    outcome, state = await layer(CredentialsCheck(), settings())
    assert outcome.findings == ()
    assert outcome.facts["source"].startswith("environment")
    assert outcome.facts["key_kind"] == "long-term access key of an IAM user"
    assert SECRET not in repr(outcome.facts)
    assert state.credentials.access_key_id == "AKIAENVIRONMENT00"


async def test_keys_from_a_profile_and_a_missing_profile(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    creds = tmp_path / "credentials"
    creds.write_text(f"[ingest]\naws_access_key_id = AKIAPROFILE000000\naws_secret_access_key = {SECRET}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    outcome, state = await layer(CredentialsCheck(), settings(aws_profile="ingest"))
    assert outcome.facts["source"] == "profile ingest (shared-credentials-file)"
    assert state.credentials.access_key_id == "AKIAPROFILE000000"
    missing, _ = await layer(CredentialsCheck(), settings(aws_profile="nope"))
    assert [(f.code, f.evidence["field"]) for f in missing.findings] == [("config.invalid", "aws_profile")]


async def test_virtual_host_without_wildcard_dns(dnsmasq: DnsmasqServer) -> None:
    # ok.test resolves at the test's dnsmasq; data.ok.test does not (NXDOMAIN).
    s = settings(endpoint_url="http://ok.test:9", addressing_style="virtual", resolver=dnsmasq.resolver,
                 access_key_id="AKIAEXAMPLE0000", secret_access_key=SECRET)
    report, _ = await run_plan(s)
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("s3.virtual_host_unresolved", "s3.addressing")
    assert report.result("dns.resolve").blocked_by == "s3.addressing"  # one finding, not two
    path_style = settings(endpoint_url="http://ok.test:9", addressing_style="path",
                          resolver=dnsmasq.resolver)
    report, _ = await run_plan(path_style)
    assert report.result("s3.addressing").facts["request_host"] == "ok.test"
    assert report.result("dns.resolve").facts["addresses"] == ["127.0.0.1"]
