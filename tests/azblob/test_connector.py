"""The Azure Blob connector without a peer: URL forms, parsing of connection strings and SAS
tokens (plain data), bad input, the redactor and reproduce command, and lazy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from sourcedoctor.config.urls import SettingsError
from sourcedoctor.connectors import for_url, get
from sourcedoctor.connectors.azblob.credentials import (
    account_key_problem,
    parse_connection_string,
    parse_sas_token,
    parse_sas_uri,
)
from sourcedoctor.model import Status
from tests.azblob.helpers import run_plan, settings
from tests.fixtures.azurite import KEY
from tests.support import free_port

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def test_url_forms() -> None:
    assert for_url("azblob://acct/c/in/daily").name == "azblob"
    s = settings("azblob://acct/data/in/daily")
    assert (s.account, s.container, s.folder, s.endpoint) == (
        "acct", "data", "in/daily", "https://acct.blob.core.windows.net")
    bare = settings("azblob://", sas_uri="https://acct.blob.core.windows.net/box?sv=2024-01-01&sp=rl"
                                         "&se=2099-01-01T00:00:00Z&sr=c&sig=abc")
    assert (bare.resolved.account, bare.container_name, bare.host) == (
        "acct", "box", "acct.blob.core.windows.net")
    triple = settings("azblob:///box/in", connection_string=f"AccountName=acct;AccountKey={KEY}")
    assert (triple.resolved.account, triple.container_name, triple.folder) == ("acct", "box", "in")
    assert triple.resolved.method == "account_key"


@pytest.mark.parametrize("url, field", [
    ("azblob://user:pw@acct/c", "url"), ("azblob://acct/c?sig=x", "url"), ("s3://acct/c", "url"),
    ("azblob://UPPER_case/c", "account"), ("azblob://acct/c\x00/x", "url"),
])
def test_bad_urls_are_one_line_errors_naming_the_part(url: str, field: str) -> None:
    with pytest.raises(SettingsError) as err:
        get("azblob").settings(url)
    assert err.value.field == field


def test_connection_string_parsing_names_keys_never_values() -> None:
    cs = parse_connection_string(f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={KEY};"
                                 "EndpointSuffix=core.windows.net")
    assert cs.problems == [] and cs.get("AccountKey") == KEY
    lower = parse_connection_string(f"accountname=acct;accountkey={KEY}")
    assert lower.problems == [] and lower.get("AccountName") == "acct"  # keys are case-insensitive
    odd = parse_connection_string("AccountName=acct;garbage-without-equals;Foo Bar=1;"
                                  "SharedAccessSignature=sv=1&sig=SECRETSIG")
    summaries = " ".join(p.summary for p in odd.problems)
    assert "segment 2" in summaries and "segment 3" in summaries and "SECRETSIG" not in summaries
    missing = parse_connection_string("AccountName=acct")
    assert [p.evidence["key"] for p in missing.problems] == ["AccountKey"]
    url = parse_connection_string("https://acct.blob.core.windows.net/c?sv=1&sig=x")
    assert "sasUri" in url.problems[0].summary


def test_account_key_checks() -> None:
    assert account_key_problem(KEY, "connection_string") is None
    assert account_key_problem("abc$", "connection_string").evidence["first_bad_position"] == 4
    short = account_key_problem("abc", "connection_string")
    assert short is not None and short.summary.startswith("AccountKey is not valid base64")
    assert account_key_problem("c2hvcnQ=", "connection_string").severity == "WARN"


def test_sas_token_rules() -> None:
    def problems(token: str, scheme: str = "https") -> list[str]:
        return [p.code for p in parse_sas_token(token, "sas_uri", endpoint_scheme=scheme, now=NOW).problems]

    good = "sv=2024-01-01&sr=c&sp=rl&st=2030-01-01&se=2031-01-01T00:00:00Z&spr=https&sig=abc"
    assert problems(good) == []
    assert problems(good.replace("se=2031", "se=2029")) == ["blob.sas_expired"]
    assert problems(good.replace("st=2030-01-01", "st=2030-07-01")) == ["blob.sas_not_yet_valid"]
    assert problems(good.replace("sp=rl", "sp=w")) == ["blob.sas_permissions"]
    assert problems(good.replace("sr=c", "sr=b")) == ["blob.sas_permissions"]
    assert problems(good, scheme="http") == ["blob.sas_protocol"]
    assert problems(good.replace("se=2031-01-01T00:00:00Z", "se=tomorrow")) == ["blob.sas_invalid"]
    assert problems(good + "&sip=10.0.0.1-10.0.0.9") == ["blob.sas_ip_restricted"]
    assert problems(good + "&sip=not-an-ip") == ["blob.sas_invalid"]
    assert problems("sv=2024-01-01&sp=rl&se=2031-01-01") == ["blob.sas_invalid"]  # no sig
    account = "sv=2024-01-01&ss=q&srt=s&sp=rl&se=2031-01-01&sig=abc"
    f = parse_sas_token(account, "sas_uri", endpoint_scheme="https", now=NOW).problems[0]
    assert f.code == "blob.sas_permissions" and "ss lacks b" in f.summary and "srt lacks c" in f.summary
    # A stored access policy (si) carries sp and se: only the service can judge them.
    assert problems("sv=2024-01-01&sr=c&si=policy1&sig=abc") == []
    assert "sig" not in parse_sas_token(good, "sas_uri", endpoint_scheme="https").public()


def test_sas_uri_forms() -> None:
    azure = parse_sas_uri("https://acct.blob.core.windows.net/box?sv=1&sp=rl&se=2099-01-01&sig=x")
    assert (azure.endpoint, azure.account, azure.container) == (
        "https://acct.blob.core.windows.net", "acct", "box")
    emulator = parse_sas_uri("http://127.0.0.1:10000/devstoreaccount1/box?sv=1&sp=rl&se=2099-01-01&sig=x")
    assert (emulator.endpoint, emulator.account, emulator.container) == (
        "http://127.0.0.1:10000/devstoreaccount1", "devstoreaccount1", "box")
    assert "only the SAS token" in parse_sas_uri("?sv=1&sig=x").problems[0].summary


BAD_INPUTS = ["\x00\x01garbage\x00", "x" * (1 << 20), "é;;;===;" * 50, "AccountName=a\x00b;AccountKey=zz"]


@pytest.mark.parametrize("value", BAD_INPUTS, ids=["nul", "1mb", "garbage", "nul-in-key"])
@pytest.mark.parametrize("field", ["connection_string", "sas_uri"])
async def test_bad_pasted_values_are_findings_naming_the_field(field: str, value: str) -> None:
    s = settings("azblob://acct/data", **{field: value})
    report, _ = await run_plan(s, timeout=2.0)
    result = report.result("config.settings")
    assert result is not None and result.status is Status.FAIL
    named = {f.evidence.get("field") for f in result.findings}
    assert field in named
    assert report.result("dns.resolve").status is Status.SKIP  # no request made
    text = str([(f.summary, f.evidence) for f in result.findings])
    assert len(text) < 5000  # bounded, whatever was pasted
    assert "garbage" not in text and "x" * 100 not in text


def test_redactor_knows_every_secret_and_reproduce_has_none() -> None:
    sig = "c2lnbmF0dXJlLXZhbHVlLTEyMzQ1Njc4OTA%3D"
    uri = f"https://acct.blob.core.windows.net/box?sv=2024-01-01&sp=rl&se=2099-01-01&sr=c&sig={sig}"
    s = settings("azblob://", sas_uri=uri)
    red = get("azblob").redactor(s)
    leaked = f"error for {uri} with sig {sig} decoded signature-value-1234567890="
    masked = red.text(leaked)
    assert sig not in masked and "c2lnbmF0dXJlLXZhbHVlLTEyMzQ1Njc4OTA=" not in masked
    command = get("azblob").reproduce(s, "aep", 10.0)
    assert command == "sourcedoctor check azblob://acct/box --sas-uri-env AZURE_STORAGE_SAS_URI --target aep"
    cs = settings(connection_string=f"AccountName=acct;AccountKey={KEY}")
    assert KEY not in get("azblob").redactor(cs).text(f"key={KEY} and {KEY}")
    assert KEY not in get("azblob").reproduce(cs, "generic", 10.0)
    assert KEY not in str(get("azblob").target_block(cs, "generic"))


def test_refusals_point_at_the_credential_and_role() -> None:
    from sourcedoctor.connectors.azblob.answers import finding_for
    from sourcedoctor.connectors.azblob.client import BlobFailure

    sp = settings("azblob:///data", service_endpoint="https://acct.blob.core.windows.net",
                  service_principal_id="0f5c1f2e-8a4b-4c3d-9e7f-1a2b3c4d5e6f",
                  service_principal_key="x" * 20, tenant="contoso.onmicrosoft.com")
    denied = finding_for(BlobFailure("AuthorizationPermissionMismatch", "not authorized", 403), sp,
                         what="List Blobs data", letter="l")
    assert denied.code == "blob.permission_denied"
    assert denied.evidence["needed_role"] == "Storage Blob Data Reader"
    assert '--role "Storage Blob Data Reader"' in denied.fix[0] and "/containers/data" in denied.fix[0]
    assert get("azblob").field_for(denied) == "service_principal_id"
    sas = settings(sas_uri="https://acct.blob.core.windows.net/data?sv=1&sp=rl&se=2099-01-01&sig=x")
    firewall = finding_for(BlobFailure("AuthorizationFailure", "This request is not authorized to "
                                       "perform this operation.", 403), sas, what="Get Account Information")
    assert firewall.evidence["cause"] == "network_rules" and "Firewalls" in firewall.fix[0]
    clock = finding_for(BlobFailure("AuthenticationFailed", "Server failed to authenticate the request.",
                                    403, {"authenticationerrordetail": "Signature not valid in the "
                                          "specified time frame"}), sas, what="x")
    assert clock.evidence["cause"] == "sas_expired_for_service"
    ip_sas = settings(sas_uri="https://acct.blob.core.windows.net/data?sv=1&sp=rl&se=2099-01-01"
                              "&sip=20.50.0.1&sig=x")
    refused = finding_for(BlobFailure("AuthorizationSourceIPMismatch", "not authorized", 403), ip_sas,
                          what="List Blobs data")
    assert (refused.code, refused.severity.name, refused.evidence["sip"]) == (
        "blob.sas_ip_restricted", "FAIL", "20.50.0.1")
    assert get("azblob").field_for(clock) == "sas_uri"


def test_service_error_detail_masks_the_quoted_signature() -> None:
    from azure.core.exceptions import HttpResponseError

    from sourcedoctor.connectors.azblob.client import failure_of

    exc = HttpResponseError(message="Server failed to authenticate the request.\nmore")
    exc.error_code = "AuthenticationFailed"  # type: ignore[attr-defined]
    exc.additional_info = {"authenticationerrordetail": "The MAC signature found in the HTTP request "
                           "'q69qz8CC+Mn9wcdeRoY8+Bfa3pnXwvzXouTMrF6EOuQ=' is not the same as any "
                           "computed signature."}  # type: ignore[attr-defined]
    failure = failure_of(exc)
    assert failure.code == "AuthenticationFailed"
    assert failure.message == "Server failed to authenticate the request."
    assert "q69qz8CC" not in str(failure.evidence())
    assert "'«signature»'" in failure.detail["authenticationerrordetail"]


def test_region_is_said_to_be_unknowable_under_aep() -> None:
    from sourcedoctor.connectors.azblob.checks.settings import REGION_FACT

    assert "do not name the account's region" in REGION_FACT


def _modules_after(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=env)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_sftp_check_azblob_settings_and_help_do_not_import_azure() -> None:
    port = free_port()
    code = (
        "import sys\n"
        "from sourcedoctor.cli import main\n"
        "for args in (['--help'], ['check', '--help'],\n"
        f"             ['check', 'sftp://u@127.0.0.1:{port}/in', '--no-prompt', '--timeout', '1',\n"
        "              '--format', 'json']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "from sourcedoctor import connectors\n"
        "from sourcedoctor.targets import AEP\n"
        "az = connectors.get('azblob')\n"
        "az.plan(az.settings('azblob://acct/data/in'), AEP)\n"
        "loaded = {m.split('.')[0] for m in sys.modules if m.startswith(('azure', 'aiohttp'))}\n"
        "print('MODULES', sorted(loaded))\n"
    )
    assert "MODULES []" in _modules_after(code)


async def test_a_web_server_that_is_not_azure_is_request_failed_not_a_traceback() -> None:
    from tests.fixtures.tls import HttpPeer

    # Answers every request "200, empty body": an auth probe that looks fine, then nothing
    # the SDK can read as a listing.
    with HttpPeer() as peer:
        s = settings(connection_string=f"AccountName=acct;AccountKey={KEY};BlobEndpoint={peer.url}/acct")
        report, _ = await run_plan(s, timeout=3.0)
    assert report.root_cause is not None, [(r.check, r.status) for r in report.checks]
    assert (report.root_cause.code, report.root_cause.check) == ("blob.request_failed", "blob.auth")
    assert "HTTP 200 without an Azure error code" in report.root_cause.summary
    assert not any(r.traceback for r in report.checks)


def test_account_and_method_conflicts_are_named() -> None:
    other = settings("azblob://other/data", connection_string=f"AccountName=acct;AccountKey={KEY}")
    assert [(p.code, p.field) for p in other.resolved.problems] == [("config.invalid", "account")]
    both = settings("azblob://acct/data", connection_string=f"AccountName=acct;AccountKey={KEY}",
                    sas_uri="https://acct.blob.core.windows.net/data?sv=1&sp=rl&se=2099-01-01&sig=x")
    assert [(p.code, p.field) for p in both.resolved.problems] == [("config.invalid", "sas_uri")]
    dev = settings("azblob:///data", connection_string="UseDevelopmentStorage=true")
    assert (dev.endpoint, dev.resolved.method) == ("http://127.0.0.1:10000/devstoreaccount1", "account_key")
