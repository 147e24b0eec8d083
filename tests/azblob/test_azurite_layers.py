"""Every layer of the Azure Blob diagnosis against a real Azurite: a healthy container, then each
fault driven into the real service (wrong key, SAS faults signed by the SDK, missing container,
stored-policy SAS without a letter), asserting codes, evidence and that the fix names the change."""

from __future__ import annotations

from datetime import timedelta

from sourcedoctor import api
from sourcedoctor.model import Severity, Status
from sourcedoctor.report import render
from tests.azblob.helpers import codes, one, run_plan, settings
from tests.fixtures.azurite import ACCOUNT, CSV, KEY, Azurite


async def test_https_endpoint_without_the_ca_is_tls_untrusted(azurite_https: Azurite) -> None:
    report, _ = await run_plan(settings(connection_string=azurite_https.connection_string()))
    assert report.root_cause is not None and report.root_cause.code == "tls.untrusted"
    assert report.result("blob.auth").status is Status.SKIP


async def test_healthy_container_over_https_has_no_warning_at_all(azurite_https: Azurite) -> None:
    assert azurite_https.ca_pem is not None
    s = settings(connection_string=azurite_https.connection_string(), ca_bundle=str(azurite_https.ca_pem))
    report, state = await run_plan(s)
    assert [(r.check, r.status) for r in report.checks if r.status is not Status.PASS] == []
    assert codes(report) == []
    assert sorted(e.path for e in state.files) == ["in/a.csv", "in/b.csv"]
    assert {r.path: r.format for r in state.samples} == {"in/a.csv": "csv", "in/b.csv": "csv"}
    assert report.result("tls.handshake").status is Status.PASS


async def test_plain_http_endpoint_warns_tls_plaintext_only_and_goes_on(azurite: Azurite) -> None:
    report, state = await run_plan(settings(connection_string=azurite.connection_string()))
    assert codes(report) == ["tls.plaintext"]  # the one documented warning of a local emulator
    assert report.result("tls.handshake").status is Status.WARN
    assert report.result("data.format").status is Status.PASS
    assert len(state.heads["in/a.csv"]) == len(b"id,name,amount\n1,alice,10.5\n2,bob,7\n3,carol,12\n")


async def test_reads_are_ranged_and_short_at_the_end(azurite: Azurite) -> None:
    async with api.open_source(settings(connection_string=azurite.connection_string())) as opened:
        source = opened.source
        assert opened.folder == "in"
        assert await source.read("in/a.csv", 3, 4) == CSV[3:7]
        assert await source.read("in/a.csv", len(CSV) - 2, 100) == CSV[-2:]
        assert await source.read("in/a.csv", len(CSV) + 10, 100) == b""  # past the end
        assert await source.read("in/.keep", 0, 100) == b""  # a zero-byte blob
        assert (await source.stat("in")).kind == "dir"
        assert (await source.stat("in/a.csv")).size == len(CSV)


async def test_listing_is_bounded_by_max_entries(azurite: Azurite) -> None:
    report, _ = await run_plan(settings("azblob:///data", max_entries=1,
                                            connection_string=azurite.connection_string()))
    listing = report.result("blob.listing")
    assert listing is not None and listing.facts["entries"] == 1 and listing.facts["truncated"] >= 1


async def test_duplicated_sas_parameter_is_sas_invalid(azurite: Azurite) -> None:
    report, _ = await run_plan(settings(sas_uri=azurite.sas_uri() + "&sp=r"))
    f = one(report, "blob.sas_invalid")
    assert f.evidence["parameter"] == "sp" and "sig" not in str(f.evidence)


async def test_container_sas_with_read_and_list_passes(azurite: Azurite) -> None:
    report, _ = await run_plan(settings("azblob://", sas_uri=azurite.sas_uri(), folder="in"))
    assert codes(report) == ["tls.plaintext"]
    assert report.target["resolved_container"] == "data"


async def test_account_sas_in_a_connection_string_passes(azurite: Azurite) -> None:
    from datetime import UTC, datetime

    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    token = generate_account_sas(ACCOUNT, KEY, ResourceTypes(container=True, object=True),
                                 AccountSasPermissions(read=True, list=True),
                                 datetime.now(UTC) + timedelta(hours=1))
    cs = f"BlobEndpoint={azurite.endpoint};SharedAccessSignature={token}"
    report, state = await run_plan(settings(connection_string=cs))
    assert codes(report) == ["tls.plaintext"]
    assert report.target["auth_method"] == "sas" and len(state.heads) == 2


async def test_wrong_account_key_is_auth_failed_naming_the_key(azurite: Azurite) -> None:
    wrong = KEY[:-4] + "AAA="
    report, _ = await run_plan(settings(connection_string=azurite.connection_string(key=wrong)))
    f = one(report, "blob.auth_failed")
    assert report.root_cause is not None and report.root_cause.code == "blob.auth_failed"
    assert f.evidence["error_code"] == "AuthorizationFailure"  # Azurite's word for it
    assert f.evidence["cause"] == "account_key"
    assert "az storage account keys list" in f.fix[0] and ACCOUNT in f.fix[0]
    assert report.result("blob.container").status is Status.SKIP


async def test_ill_signed_sas_is_auth_failed_naming_the_signature(azurite: Azurite) -> None:
    uri = azurite.sas_uri().replace("sig=", "sig=AAAA")
    report, _ = await run_plan(settings(sas_uri=uri))
    f = one(report, "blob.auth_failed")
    assert f.evidence["cause"] == "sas_signature" and f.evidence["auth_method"] == "sas"
    assert "new SAS" in f.fix[0]


async def test_account_key_not_base64_is_found_before_any_request(azurite: Azurite) -> None:
    report, _ = await run_plan(settings(connection_string=azurite.connection_string(key="not*base64!")))
    f = one(report, "blob.account_key_invalid")
    assert f.evidence["first_bad_position"] == 4
    assert report.result("dns.resolve").status is Status.SKIP


async def test_short_account_key_is_a_warning_then_refused_by_the_service(azurite: Azurite) -> None:
    report, _ = await run_plan(settings(connection_string=azurite.connection_string(key="c2hvcnQ=")))
    f = one(report, "blob.account_key_invalid")
    assert f.severity is Severity.WARN and f.evidence["decoded_bytes"] == 5
    assert report.root_cause is not None and report.root_cause.code == "blob.auth_failed"


async def test_connection_string_unknown_and_missing_keys_are_named(azurite: Azurite) -> None:
    cs = (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AcountKey={KEY};"
          f"BlobEndpoint={azurite.endpoint}")
    report, _ = await run_plan(settings(connection_string=cs))
    found = [f for f in report.result("config.settings").findings
             if f.code == "blob.connection_string_invalid"]
    keys = [f.evidence["key"] for f in found]
    assert keys == ["AcountKey", "AccountKey"]  # the typo, then what it leaves missing
    assert "did you mean AccountKey" in found[0].summary
    assert "AcountKey" in found[0].fix[0]
    assert KEY not in str([f.evidence for f in found]) + str([f.summary for f in found])


async def test_expired_sas_names_its_expiry(azurite: Azurite) -> None:
    uri = azurite.sas_uri(expiry=timedelta(hours=-1))
    report, _ = await run_plan(settings(sas_uri=uri))
    f = one(report, "blob.sas_expired")
    assert f.evidence["sas"]["se"] in f.summary and f.evidence["sas"]["se"] in f.fix[0]
    # Runnable as printed: a SAS cannot sign a SAS (the account key does), and Azurite's endpoint
    # is plain http, where an --https-only SAS would be refused.
    assert '--account-key "$AZURE_STORAGE_KEY"' in f.fix[0] and "--blob-endpoint http" in f.fix[0]
    assert "--https-only" not in f.fix[0]
    assert report.root_cause is not None and report.root_cause.code == "blob.sas_expired"
    assert report.result("blob.auth").status is Status.SKIP  # parsed, never sent


async def test_sas_starting_in_the_future_is_not_yet_valid(azurite: Azurite) -> None:
    report, _ = await run_plan(settings(sas_uri=azurite.sas_uri(start=timedelta(hours=2))))
    f = one(report, "blob.sas_not_yet_valid")
    assert f.evidence["start"] == f.evidence["sas"]["st"]


async def test_sas_without_list_names_l(azurite: Azurite) -> None:
    report, _ = await run_plan(settings(sas_uri=azurite.sas_uri(permission="r")))
    f = one(report, "blob.sas_permissions")
    assert f.evidence["missing"] == "l" and "l (list)" in f.summary
    assert "missing: l" in f.fix[0]


async def test_sas_without_read_names_r(azurite: Azurite) -> None:
    report, _ = await run_plan(settings(sas_uri=azurite.sas_uri(permission="l")))
    f = one(report, "blob.sas_permissions")
    assert f.evidence["missing"] == "r" and "r (read)" in f.summary


async def test_https_only_sas_on_an_http_endpoint_is_the_protocol(azurite: Azurite) -> None:
    report, _ = await run_plan(settings(sas_uri=azurite.sas_uri(protocol="https")))
    f = one(report, "blob.sas_protocol")
    assert f.evidence["spr"] == "https" and "spr=https" in f.fix[0]


async def test_https_only_sas_refused_by_the_service_is_the_protocol(azurite: Azurite) -> None:
    # The SAS URI is https (so the SAS itself is fine as the platform would use it), but
    # --endpoint-url sends the requests to Azurite over http: the service answers
    # AuthorizationProtocolMismatch, named as the SAS's protocol at the authentication layer.
    token = azurite.sas_token(protocol="https")
    https_uri = f"{azurite.endpoint.replace('http://', 'https://')}/data?{token}"
    report, _ = await run_plan(settings(sas_uri=https_uri, endpoint_url=azurite.endpoint))
    auth = report.result("blob.auth")
    assert auth is not None and [f.code for f in auth.findings] == ["blob.sas_protocol"]
    assert auth.findings[0].evidence["error_code"] == "AuthorizationProtocolMismatch"
    assert report.result("config.settings").status is Status.PASS


async def test_sas_ip_range_is_a_warning_for_the_platform_and_info_locally(azurite: Azurite) -> None:
    uri = azurite.sas_uri(ip="20.50.0.0-20.50.255.255")
    local, _ = await run_plan(settings(sas_uri=uri))
    assert one(local, "blob.sas_ip_restricted").severity is Severity.INFO
    cloud, _ = await run_plan(settings(sas_uri=uri), target="aep")
    f = one(cloud, "blob.sas_ip_restricted")
    assert f.severity is Severity.WARN and f.evidence["sip"] == "20.50.0.0-20.50.255.255"
    private, _ = await run_plan(settings(sas_uri=azurite.sas_uri(ip="10.0.0.0-10.0.0.255")),
                                target="aep")
    assert one(private, "blob.sas_ip_restricted").severity is Severity.FAIL


async def test_missing_container_is_container_not_found(azurite: Azurite) -> None:
    report, _ = await run_plan(settings("azblob:///nosuch", connection_string=azurite.connection_string()))
    f = one(report, "blob.container_not_found")
    assert f.evidence["error_code"] == "ContainerNotFound"
    assert "nosuch" in f.fix[1]
    # The az command authenticates as this run did (no "There are no credentials provided").
    assert 'az storage container list --connection-string "$AZURE_STORAGE_CONNECTION_STRING"' in f.fix[0]


async def test_stored_policy_without_list_is_permission_denied_naming_l(azurite: Azurite) -> None:
    uri = azurite.sas_uri("policied", permission=None, expiry=None, policy_id="readonly")
    report, _ = await run_plan(settings("azblob://", sas_uri=uri))
    assert report.result("blob.auth").status is Status.PASS
    f = one(report, "blob.permission_denied")
    assert f.evidence["error_code"] == "AuthorizationPermissionMismatch"
    assert f.evidence["needed"] == "l" and "l (list)" in f.summary
    assert report.result("blob.container").status is Status.FAIL


async def test_stored_policy_without_read_is_permission_denied_naming_r(azurite: Azurite) -> None:
    uri = azurite.sas_uri("policied", permission=None, expiry=None, policy_id="listonly")
    report, _ = await run_plan(settings("azblob:///policied/in", sas_uri=uri))
    assert report.result("blob.listing").status is Status.PASS
    f = one(report, "blob.permission_denied")
    assert f.evidence["needed"] == "r" and "r (read)" in f.summary
    assert "also grants r" in f.fix[0]
    assert report.result("blob.blobs").status is Status.FAIL


async def test_empty_prefix_is_path_empty(azurite: Azurite) -> None:
    report, _ = await run_plan(settings("azblob:///data/nothing-here",
                                        connection_string=azurite.connection_string()))
    f = one(report, "path.empty")
    assert "az storage blob list --connection-string" in f.fix[1]


async def test_folder_naming_one_blob_samples_it(azurite: Azurite) -> None:
    report, state = await run_plan(settings("azblob:///data/json/c.jsonl",
                                            connection_string=azurite.connection_string()))
    assert [e.path for e in state.files] == ["json/c.jsonl"]
    assert codes(report) == ["tls.plaintext"]


async def test_unknown_account_path_is_request_failed(azurite: Azurite) -> None:
    endpoint = azurite.endpoint.replace(ACCOUNT, "otheracct")
    cs = f"DefaultEndpointsProtocol=http;AccountName=otheracct;AccountKey={KEY};BlobEndpoint={endpoint}"
    report, _ = await run_plan(settings(connection_string=cs))
    f = one(report, "blob.request_failed")
    assert f.evidence["error_code"] == "ResourceNotFound" and f.evidence["http_status"] == 404


async def test_service_principal_is_parsed_and_explained_not_exercised(azurite: Azurite) -> None:
    s = settings("azblob:///data/in", service_endpoint=azurite.endpoint,
                 service_principal_id="0f5c1f2e-8a4b-4c3d-9e7f-1a2b3c4d5e6f",
                 service_principal_key="sp-secret-value-123", tenant="contoso.onmicrosoft.com")
    report, _ = await run_plan(s)
    f = one(report, "blob.service_principal_unverified")
    assert f.severity is Severity.INFO and "contoso.onmicrosoft.com" in f.fix[0]
    assert report.result("tcp.connect").status is Status.PASS  # the endpoint's network is judged
    auth = report.result("blob.auth")
    assert auth.status is Status.SKIP and "Entra" in str(auth.facts["skipped"])
    text = render(report, "json", api.redactor_for(s)) + render(report, "text", api.redactor_for(s))
    assert "sp-secret-value-123" not in text


async def test_service_principal_id_that_is_not_a_guid_is_named(azurite: Azurite) -> None:
    s = settings("azblob:///data", service_endpoint=azurite.endpoint, service_principal_id="my-app",
                 service_principal_key="k" * 20, tenant="not a tenant")
    report, _ = await run_plan(s)
    fields = [f.evidence.get("field") for f in report.result("config.settings").findings
              if f.code == "config.invalid"]
    assert fields == ["service_principal_id", "tenant"]


async def test_no_credential_is_auth_no_credentials_after_the_network_layers(azurite: Azurite) -> None:
    report, _ = await run_plan(settings(f"azblob://{ACCOUNT}/data", endpoint_url=azurite.endpoint))
    assert report.result("tcp.connect").status is Status.PASS
    f = one(report, "auth.no_credentials")
    assert "--connection-string-env" in f.fix[0] and "--sas-uri-env" in f.fix[0]


async def test_sas_for_another_container_is_named(azurite: Azurite) -> None:
    report, _ = await run_plan(settings("azblob:///data", sas_uri=azurite.sas_uri("policied")))
    f = one(report, "config.invalid")
    assert f.evidence["field"] == "container" and "policied" in f.summary


async def test_each_credential_is_sent_once(azurite: Azurite) -> None:
    # The SDK's retries are off: a refused key is sent once and the run moves on.
    wrong = KEY[:-4] + "AAA="
    report, state = await run_plan(settings(connection_string=azurite.connection_string(key=wrong)))
    assert report.result("blob.auth").facts["answer"] == "AuthorizationFailure"
    assert state.client is not None
    assert state.client.service._config.retry_policy.total_retries == 0


async def test_a_slow_sdk_import_is_not_a_network_timeout(azurite: Azurite, monkeypatch) -> None:
    """Importing the Azure SDK is local work (~0.5 s, more on a busy machine), not a network
    step: an import slower than the auth layer's whole request budget (3.5 s against 1 x 1 s)
    must not read as check.timeout; the layer then answers from the real service."""
    import importlib
    import time

    from sourcedoctor.connectors.azblob import client

    real = importlib.import_module

    def slow_import(name: str, package: str | None = None) -> object:
        if name == "azure.storage.blob.aio":
            time.sleep(3.5)
        return real(name, package)

    monkeypatch.setattr(client.importlib, "import_module", slow_import)
    report, _ = await run_plan(settings(connection_string=azurite.connection_string()), timeout=1.0)
    assert "check.timeout" not in codes(report), codes(report)
    assert report.result("blob.auth").status is Status.PASS
