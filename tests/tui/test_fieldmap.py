"""The finding-code → form-field map behind the ``e`` key: each connector's ``field_for``, and
every field it names exists in that connector's generated form."""

from __future__ import annotations

import pytest

from sourcedoctor.codes import CATALOGUE, make_finding
from sourcedoctor.connectors import get, names
from sourcedoctor.tui.fieldmap import culprit_field, field_for_finding
from sourcedoctor.tui.widgets.settings_form import field_specs, form_ids

from . import sample_data as data

SFTP = get("sftp")
S3 = get("s3")


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("auth.password_rejected", "password"),
        ("auth.key_rejected", "key"),
        ("key.passphrase_wrong", "key"),
        ("key.ppk_format", "key"),
        ("path.not_found", "folder"),
        ("path.permission_denied", "folder"),
        ("dns.nxdomain", "host"),
        ("tcp.refused", "host"),
        ("ssh.hostkey_mismatch", "host_key_fingerprint"),
        ("sftp.concurrency_limited", "max_connections"),
        ("check.internal_error", None),
    ],
)
def test_codes_map_to_fields(code: str, field: str | None) -> None:
    assert field_for_finding(make_finding(code, "x"), SFTP) == field


@pytest.mark.parametrize(("named", "field"), [("port", "port"), ("userName", "user"),
                                              ("key_path", "key"), ("folderPath", "folder")])
def test_config_invalid_uses_the_field_in_its_evidence(named: str, field: str) -> None:
    finding = make_finding("config.invalid", "x", evidence={"field": named})
    assert field_for_finding(finding, SFTP) == field


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("s3.no_such_bucket", "bucket"),
        ("s3.bucket_name_has_folder", "bucket"),
        ("s3.signature_mismatch", "secret_access_key"),
        ("s3.invalid_access_key", "access_key_id"),
        ("s3.wrong_region", "endpoint_url"),
        ("tls.untrusted", "ca_bundle"),
        ("dns.nxdomain", "endpoint_url"),
        ("path.empty", "folder"),
    ],
)
def test_s3_codes_map_to_s3_fields(code: str, field: str) -> None:
    assert field_for_finding(make_finding(code, "x"), S3) == field


@pytest.mark.parametrize("name", names())
def test_every_mapped_field_exists_in_the_form(name: str) -> None:
    connector = get(name)
    model = connector.settings_model
    form = {s.name for s in field_specs(model)}
    ids = form_ids(model)
    first = next(iter(model.model_fields))
    for code in CATALOGUE:
        field = field_for_finding(make_finding(code, "x", evidence={"field": first}), connector)
        assert field is None or ids.get(field, field) in form, (name, code, field)


def test_culprit_comes_from_the_connector_the_report_names() -> None:
    report = data.failing_report()  # auth.password_rejected, target.connector "sftp"
    assert culprit_field(report) == "password"
    assert culprit_field(report, S3) is None  # S3 has no password field
