"""The finding-code → form-field map behind the ``e`` key."""

from __future__ import annotations

import pytest

from sourcedoctor.codes import CATALOGUE, make_finding
from sourcedoctor.config.sftp import SftpSettings
from sourcedoctor.tui.fieldmap import field_for_finding
from sourcedoctor.tui.widgets.settings_form import field_specs


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
    assert field_for_finding(make_finding(code, "x")) == field


@pytest.mark.parametrize(("named", "field"), [("port", "port"), ("userName", "user"),
                                              ("key_path", "key"), ("folderPath", "folder")])
def test_config_invalid_uses_the_field_in_its_evidence(named: str, field: str) -> None:
    finding = make_finding("config.invalid", "x", evidence={"field": named})
    assert field_for_finding(finding) == field


def test_every_mapped_field_exists_in_the_form() -> None:
    form = {s.name for s in field_specs(SftpSettings)}
    for code in CATALOGUE:
        field = field_for_finding(make_finding(code, "x", evidence={"field": "host"}))
        assert field is None or field in form, (code, field)
