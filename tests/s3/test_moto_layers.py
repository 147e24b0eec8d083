"""The S3 diagnosis against moto (a real S3 server, IAM-checked keys, HTTPS with a test CA).

Each failing layer's code is a real server answer: a wrong secret, an unknown key, a user without
the permission, a missing bucket, an archived object. The healthy control passes end to end and
its sampled rows are the objects' rows. Layers from the listing on run against ``open_moto``
(see tests/fixtures/moto.py: moto's server mode cannot check the signature of a listing request).
"""

from __future__ import annotations

import json

import pytest

from sourcedoctor.checks.base import Context
from sourcedoctor.connectors.s3.checks.objects import ObjectsCheck
from sourcedoctor.connectors.s3.client import S3Client
from sourcedoctor.connectors.s3.credentials import resolve_credentials
from sourcedoctor.connectors.s3.settings import S3Settings
from sourcedoctor.connectors.s3.source import S3Source
from sourcedoctor.connectors.s3.state import S3State
from sourcedoctor.model import Status, Verdict
from sourcedoctor.sources.base import FileEntry
from sourcedoctor.targets import GENERIC
from tests.fixtures.moto import CSV, MotoServer
from tests.fixtures.tls import Certificates
from tests.s3.helpers import STEP, moto_settings, run_plan


async def test_healthy_bucket_passes_with_sampled_rows(open_moto: MotoServer, certs: Certificates) -> None:
    report, state = await run_plan(moto_settings(open_moto, certs))
    assert report.verdict is Verdict.PASS, report.codes
    assert report.root_cause is None
    assert all(r.status is Status.PASS for r in report.checks), [(r.check_id, r.status)
                                                                 for r in report.checks]
    assert [e.path for e in state.files] == ["in/a.csv", "in/b.csv"]  # .keep is hidden
    rows = {s.path: s.rows for s in state.samples}
    assert rows["in/a.csv"][0] == {"id": 1, "name": "alice", "amount": 10.5}
    assert [r["name"] for r in rows["in/b.csv"]] == ["dave"]
    tls = report.result("tls.handshake")
    assert tls is not None and tls.facts["protocol"] in ("TLSv1.2", "TLSv1.3")
    assert report.result("s3.credentials").facts["source"] == "settings"  # type: ignore[union-attr]


async def test_json_lines_folder_passes_under_the_platform_rules(
        open_moto: MotoServer, certs: Certificates) -> None:
    report, state = await run_plan(moto_settings(open_moto, certs, folder="json"), target="aep")
    assert report.root_cause is None, report.codes
    # aep: a cloud platform cannot reach 127.0.0.1 (dns.private_address) and will not trust the
    # test CA (tls.untrusted, a warning); nothing else to say.
    assert set(report.codes) == {"dns.private_address", "tls.untrusted"}
    assert report.result("tls.handshake").status is Status.WARN  # type: ignore[union-attr]
    assert [s.format for s in state.samples] == ["json_lines"]
    assert [r["city"] for r in state.samples[0].rows] == ["Oslo", "Lima"]


async def test_wrong_secret_is_signature_mismatch(moto: MotoServer, certs: Certificates) -> None:
    wrong = "not-the-secret-0123456789abcdefghijklmno"
    report, _ = await run_plan(moto_settings(moto, certs, secret_access_key=wrong))
    assert report.root_cause is not None and report.root_cause.code == "s3.signature_mismatch"
    assert wrong not in json.dumps(report.to_dict(), default=str)
    assert report.root_cause.check == "s3.signature"
    assert report.result("s3.bucket").blocked_by == "s3.signature"  # type: ignore[union-attr]


async def test_unknown_key_is_invalid_access_key(moto: MotoServer, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, access_key_id="AKIAUNKNOWN000000000"))
    assert report.root_cause is not None and report.root_cause.code == "s3.invalid_access_key"


async def test_token_the_service_never_issued_is_token_invalid(moto: MotoServer, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, session_token="FwoGZXIvYXdzEXAMPLE"))
    assert report.root_cause is not None and report.root_cause.code == "s3.token_invalid"


async def test_user_without_policy_is_denied_the_location_with_the_policy_fix(
        moto: MotoServer, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, user="nobody"), target="aep")
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("s3.access_denied", "s3.bucket")
    finding = report.result("s3.bucket").findings[0]  # type: ignore[union-attr]
    assert finding.evidence["action"] == "s3:GetBucketLocation"
    assert finding.evidence["resource"] == "arn:aws:s3:::data"
    statements = finding.evidence["policy"]["Statement"]
    assert statements[0]["Action"] == ["s3:ListBucket", "s3:GetBucketLocation"]
    assert statements[0]["Resource"] == "arn:aws:s3:::data"
    assert statements[1] == {"Effect": "Allow", "Action": "s3:GetObject",
                             "Resource": "arn:aws:s3:::data/in/*"}
    assert any('"arn:aws:s3:::data"' in step for step in finding.fix)  # the JSON itself is the fix


async def test_location_denied_is_only_a_warning_without_the_platform(
        moto: MotoServer, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, user="nobody"), target="generic")
    bucket = report.result("s3.bucket")
    assert bucket is not None and bucket.status is Status.WARN
    assert [f.code for f in bucket.findings] == ["s3.access_denied"]
    listing = report.result("s3.listing")
    assert listing is not None and listing.blocked_by is None and listing.status is not Status.SKIP


async def test_user_who_may_list_but_not_read_is_denied_get_object(
        moto: MotoServer, certs: Certificates) -> None:
    # The objects layer on its own, on the checked server (its listing could not be checked:
    # module doc), with the object the listing finds on the open server.
    settings = moto_settings(moto, certs, user="lister")
    state = S3State(credentials=resolve_credentials(settings))
    state.client = await S3Client.create(settings, state.credentials, STEP)
    state.source = S3Source(state.client, "data")
    state.files = [FileEntry("in/a.csv", "a.csv", len(CSV), None, "file")]
    try:
        outcome = await ObjectsCheck().run(Context(settings, state, GENERIC, step_timeout=STEP))
    finally:
        state.client.close()
    assert [f.code for f in outcome.findings] == ["s3.access_denied"]
    finding = outcome.findings[0]
    assert finding.evidence["action"] == "s3:GetObject"
    assert finding.evidence["resource"] == "arn:aws:s3:::data/in/a.csv"
    assert finding.evidence["error_code"] == "AccessDenied"


async def test_missing_bucket_is_no_such_bucket(moto: MotoServer, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, user="admin", bucket="no-such-bucket"))
    assert report.root_cause is not None and report.root_cause.code == "s3.no_such_bucket"


async def test_missing_bucket_without_list_all_is_access_denied_as_on_aws(
        moto: MotoServer, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(moto, certs, bucket="no-such-bucket"), target="aep")
    assert report.root_cause is not None and report.root_cause.code == "s3.access_denied"


async def test_glacier_object_is_archived(open_moto: MotoServer, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(open_moto, certs, folder="cold"))
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("s3.object_archived", "s3.objects")
    finding = report.result("s3.objects").findings[0]  # type: ignore[union-attr]
    assert finding.evidence["storage_class"] == "GLACIER"


async def test_empty_prefix_is_path_empty(open_moto: MotoServer, certs: Certificates) -> None:
    report, _ = await run_plan(moto_settings(open_moto, certs, folder="nothing-here"))
    root = report.root_cause
    assert root is not None and (root.code, root.check) == ("path.empty", "s3.listing")


async def test_folder_path_naming_one_object_samples_it(open_moto: MotoServer, certs: Certificates) -> None:
    report, state = await run_plan(moto_settings(open_moto, certs, folder="in/a.csv"))
    assert report.verdict is Verdict.PASS, report.codes
    assert [s.path for s in state.samples] == ["in/a.csv"]


@pytest.mark.parametrize("user", ["reader"])
async def test_each_request_is_sent_once(moto: MotoServer, certs: Certificates, user: str) -> None:
    """Retries are off: a refused secret costs the server exactly one signed request."""
    report, state = await run_plan(moto_settings(moto, certs, user=user, secret_access_key="bad"))
    assert report.root_cause is not None and report.root_cause.code == "s3.signature_mismatch"
    assert state.client is not None
    config = state.client.raw.meta.config
    assert config.retries["total_max_attempts"] == 1


async def test_gcs_interop_fields_drive_the_same_diagnosis(open_moto: MotoServer,
                                                          certs: Certificates) -> None:
    """The platform's GCS source fields (HMAC accessKeyId/secretAccessKey, serviceUrl): the same
    S3-API diagnosis, here against moto in place of storage.googleapis.com."""
    keys = open_moto.keys["reader"]
    settings = S3Settings.model_validate({
        "bucketName": "data", "folderPath": "in", "accessKeyId": keys.access_key_id,
        "secretAccessKey": keys.secret_access_key, "serviceUrl": open_moto.endpoint,
        "ca_bundle": str(certs.ca_pem)})
    report, state = await run_plan(settings)
    assert report.verdict is Verdict.PASS, report.codes
    assert [s.path for s in state.samples] == ["in/a.csv", "in/b.csv"]


async def test_key_names_the_platform_refuses(open_moto: MotoServer, certs: Certificates) -> None:
    open_moto.client("s3").put_object(Bucket="data", Key="odd/a:b.csv", Body=CSV)
    report, _ = await run_plan(moto_settings(open_moto, certs, folder="odd"), target="aep")
    listing = report.result("s3.listing")
    assert listing is not None and listing.status is Status.FAIL
    assert [f.code for f in listing.findings] == ["path.naming_violation"]
    assert listing.findings[0].evidence["names"][0]["path"] == "odd/a:b.csv"
    generic, _ = await run_plan(moto_settings(open_moto, certs, folder="odd"))
    assert generic.verdict is Verdict.PASS, generic.codes  # no naming rules without the platform


async def test_a_slow_client_build_is_not_a_network_timeout(open_moto: MotoServer, certs: Certificates,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Building botocore's client is local work, not a network step: a build slower than
    ``--timeout`` (a cold one on a busy machine) must not read as check.timeout, even when it
    takes longer than the layer's request budget (3.5 s here against 1 x 1 s)."""
    import time

    import botocore.session

    build = botocore.session.Session.create_client

    def slow_build(self: botocore.session.Session, *args: object, **kwargs: object) -> object:
        time.sleep(3.5)
        return build(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(botocore.session.Session, "create_client", slow_build)
    report, _ = await run_plan(moto_settings(open_moto, certs), timeout=1.0)
    assert "check.timeout" not in report.codes, report.codes
    assert report.verdict is Verdict.PASS, report.codes
