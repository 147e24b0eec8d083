"""Settings and URL validation: config.invalid names the field, before any network use."""

from __future__ import annotations

import pytest

from sourcedoctor import api
from sourcedoctor.connectors.sftp.settings import SettingsError, parse_sftp_url, redacted_url


@pytest.mark.parametrize(("url", "expected"), [
    ("sftp://bob@sftp.example.com/inbound/daily", {"host": "sftp.example.com", "user": "bob",
                                                   "folder": "inbound/daily"}),
    ("sftp://bob@sftp.example.com//srv/in", {"folder": "/srv/in"}),
    ("sftp://bob@[::1]:2222/x", {"host": "::1", "port": 2222}),
    ("SFTP://bob@h", {"host": "h", "user": "bob"}),
])
def test_url_parsing(url: str, expected: dict[str, object]) -> None:
    values = parse_sftp_url(url)
    for k, v in expected.items():
        assert values[k] == v


@pytest.mark.parametrize(("url", "values", "field"), [
    ("ftp://bob@h", {}, "url"),
    ("sftp://bob@h:99999", {}, "url"),
    ("sftp://@h", {}, "user"),
    ("sftp://bob@h", {"host": "sftp://h"}, "host"),
    ("sftp://bob@h", {"host": "h/x"}, "host"),
    ("sftp://bob@h", {"host": "my host"}, "host"),
    ("sftp://bob@h", {"port": 0}, "port"),
    ("sftp://bob@h", {"user": " "}, "user"),
    ("sftp://bob@h", {"resolver": "dns.example"}, "resolver"),
    ("sftp://bob@h", {"key_path": "/nonexistent/key"}, "key_path"),
    ("sftp://bob@h", {"max_connections": 99}, "max_connections"),
])
def test_invalid_settings_name_the_field(url: str, values: dict[str, object], field: str) -> None:
    with pytest.raises(SettingsError) as info:
        api.sftp_settings(url, **values)
    assert info.value.field == field


def test_redacted_url_never_carries_the_password() -> None:
    s = api.sftp_settings("sftp://bob:hunter2secret@h.example.com:2222/in")
    assert "hunter2secret" not in redacted_url(s)
    assert "hunter2secret" not in repr(s) and "hunter2secret" not in str(s.public_dict())
    assert redacted_url(s) == "sftp://bob@h.example.com:2222/in"
