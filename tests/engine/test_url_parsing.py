"""Odd URLs and host names: each is refused as ``config.invalid`` naming the field (exit 2, one
line, before any network use) or accepted as written — never a crash, never blamed on DNS, never a
character silently dropped.

Pure parsing is tested on plain data; each class also runs ``sourcedoctor check`` as a user does.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from sourcedoctor import api
from sourcedoctor import connectors as registry
from sourcedoctor.config.urls import MAX_LABEL, MAX_NAME, host_name_problem
from sourcedoctor.config.urls import SettingsError as UrlSettingsError
from sourcedoctor.connectors.sftp.settings import SettingsError, parse_sftp_url, redacted_url

LONG_LABEL = "a" * (MAX_LABEL + 1)
LONG_NAME = ".".join(["b" * 60] * 5)  # 304 characters, every label legal


def settings_error(url: str, **values: object) -> SettingsError:
    with pytest.raises(SettingsError) as info:
        api.sftp_settings(url, **values)
    return info.value


# --- host name shape ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [f"{LONG_LABEL}.example.com", LONG_NAME, "a..b", ".a.b",
                                  "a.b..", "."])
def test_host_name_problems(name: str) -> None:
    assert host_name_problem(name) is not None


@pytest.mark.parametrize("name", ["localhost.", "a" * MAX_LABEL + ".example.com",
                                  ".".join(["c" * 63] * 3) + "." + "d" * 61, "x"])
def test_host_names_within_the_limits(name: str) -> None:
    assert len(name.removesuffix(".")) <= MAX_NAME
    assert host_name_problem(name) is None


@pytest.mark.parametrize("host", [f"{LONG_LABEL}.example.com", LONG_NAME, "a..b", ".a.b"])
def test_bad_host_names_are_config_errors_on_the_host_field(host: str) -> None:
    assert settings_error(f"sftp://bob@{host}/x").field == "host"
    assert settings_error("sftp://bob@ok/x", host=host).field == "host"  # the form's field too


def test_trailing_dot_fqdn_is_accepted_as_written() -> None:
    settings = api.sftp_settings("sftp://bob@localhost./in")
    assert settings.host == "localhost."
    assert redacted_url(settings) == "sftp://bob@localhost./in"


# --- IPv6 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "host", "port"), [
    ("sftp://bob@[fe80::1%25eth0]/x", "fe80::1%eth0", 22),
    ("sftp://bob@[fe80::1%25Eth-0]:2222/x", "fe80::1%Eth-0", 2222),  # the zone keeps its case
    ("sftp://bob@[fe80::1%eth0]/x", "fe80::1%eth0", 22),  # unencoded '%' as people type it
    ("sftp://bob@[2001:db8::10]:2200/x", "2001:db8::10", 2200),
])
def test_ipv6_zone_ids_are_decoded(url: str, host: str, port: int) -> None:
    settings = api.sftp_settings(url)
    assert (settings.host, settings.port, settings.is_ip_literal) == (host, port, True)
    assert parse_sftp_url(redacted_url(settings))["host"] == host  # round trip through %25


def test_host_field_takes_the_url_form_of_a_zone_too() -> None:
    """The app's host field (and profiles) accept ``[fe80::1%25eth0]`` as well as ``fe80::1%eth0``."""
    for host in ("[fe80::1%25eth0]", "fe80::1%eth0", "[fe80::1%eth0]"):
        assert api.sftp_settings(None, host=host, user="bob").host == "fe80::1%eth0"


@pytest.mark.parametrize("url", ["sftp://bob@fe80::1/x", "sftp://bob@2001:db8::10:22/x",
                                 "sftp://bob:pw@::1/x"])
def test_ipv6_without_brackets_is_a_url_error_with_the_hint(url: str) -> None:
    error = settings_error(url)
    assert error.field == "url" and "[ADDR]" in error.message and "\n" not in error.message


def test_brackets_around_a_non_ipv6_host_are_refused() -> None:
    assert settings_error("sftp://bob@[1.2.3.4]/x").field == "url"
    assert settings_error("sftp://bob@[host.example]/x").field == "url"


# --- control characters -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["sftp://bob@h/lab/go\nod", "sftp://bob@h/a\tb", "sftp://bob@h/a\rb",
                                 "sftp://bo\nb@h/x", "sftp://bob@h\n.example/x",
                                 "sftp://bob@h/a\x1b[2Jb", "sftp://bob@h/a\x7fb",
                                 "sftp://bob@h/a\u202eb", "sftp://bob@h/a\u200bb"])
def test_control_characters_in_the_url_are_refused_not_dropped(url: str) -> None:
    error = settings_error(url)
    assert error.field == "url"
    assert "\n" not in error.message and "\x1b" not in error.message  # shown escaped


def test_surrounding_whitespace_is_still_trimmed() -> None:
    assert api.sftp_settings("  sftp://bob@h/in\n").folder == "in"


def test_folder_field_with_a_control_character_is_config_invalid() -> None:
    """The folder given as a field (TUI form, --folder) is judged by the settings check."""
    import asyncio

    report = asyncio.run(api.diagnose_sftp(
        api.sftp_settings("sftp://bob@127.0.0.1:1/x", folder="in\u202ebox"), timeout=1.0))
    result = report.result("config.settings")
    assert result is not None
    assert [f.code for f in result.findings] == ["config.invalid"]
    assert result.findings[0].evidence["field"] == "folder"


# --- the CLI, as a user runs it -----------------------------------------------------------------


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sourcedoctor", "check", *args, "--no-prompt", "--format", "json"],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.mark.parametrize(("url", "extra", "field"), [
    (f"sftp://bob@{LONG_LABEL}.example.com/x", (), "host"),
    (f"sftp://bob@{LONG_LABEL}.example.com/x", ("--resolver", "127.0.0.1:9"), "host"),
    (f"sftp://bob@{LONG_NAME}/x", (), "host"),
    ("sftp://bob@a..b/x", (), "host"),
    ("sftp://bob@fe80::1/x", (), "url"),
    ("sftp://bob@h/lab/go\nod", (), "url"),
    ("sftp://bob@h/a\x1b[2Jb", (), "url"),
])
def test_cli_refuses_with_config_invalid_exit_2(url: str, extra: tuple[str, ...],
                                                field: str) -> None:
    proc = check(url, *extra)
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    assert report["root_cause"]["code"] == "config.invalid"
    assert [c["id"] for c in report["checks"]] == ["config.settings"]  # nothing else ran
    assert report["checks"][0]["findings"][0]["evidence"]["field"] == field
    assert proc.stderr.startswith(f"error: {field}: ") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr and "\x1b" not in proc.stderr


def test_cli_accepts_a_trailing_dot_fqdn() -> None:
    """``localhost.`` passes the settings and the system resolver finds it in the hosts file, as
    ``localhost`` (glibc's hosts lookup keeps the dot; tests/sftp/test_dns_edge.py resolves a
    trailing-dot name at a real dnsmasq)."""
    proc = subprocess.run(
        ["sourcedoctor", "check", "sftp://bob@localhost.:9/x", "--password-env", "URL_TEST_PW",
         "--format", "json", "--timeout", "2"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "URL_TEST_PW": "x"})
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["config.settings"] == "pass" and statuses["dns.resolve"] == "pass"
    assert report["root_cause"]["code"] == "tcp.refused"  # port 9: nothing listens
    assert report["target"]["host"] == "localhost."


# --- the rules every connector's URL shares (config/urls.parse_url_with) ------------------------

#: Each connector's URL schemes but SFTP's (its own parser is tested above).
_SCHEMES = [(name, registry.get(name).schemes[0]) for name in registry.names() if name != "sftp"]


def _settings_error(url: str) -> UrlSettingsError:
    with pytest.raises(UrlSettingsError) as caught:
        registry.for_url(url).settings(url)
    return caught.value


@pytest.mark.parametrize("name", [n for n, _ in _SCHEMES])
@pytest.mark.parametrize("char", ["\n", "\t", "\x1b", "\r"], ids=["newline", "tab", "escape", "cr"])
def test_every_connector_refuses_a_control_character_in_a_valid_url(name: str, char: str) -> None:
    """A URL that is valid, but for one control character urlsplit would silently drop (a
    pasted line break: lab/go\\nod → lab/good), is refused, never read as another URL."""
    from tests.cli.test_no_traceback import CONNECTOR_BASE

    valid = CONNECTOR_BASE[name][0].format(port=9)
    registry.for_url(valid).settings(valid)  # the premise: valid as it is
    error = _settings_error(valid[:-1] + char + valid[-1:])
    # Refused: by the URL rule, or by the field the character landed in (a port, a region).
    assert char not in error.message, error  # and the message shows no raw control character


@pytest.mark.parametrize(("name", "scheme"), _SCHEMES, ids=[n for n, _ in _SCHEMES])
def test_every_connector_names_a_malformed_url_instead_of_crashing(name: str, scheme: str) -> None:
    error = _settings_error(f"{scheme}://u@[::1/x")  # urlsplit: "Invalid IPv6 URL"
    assert error.field.endswith("url"), error  # "url", or the inlet's "inlet_url"


@pytest.mark.parametrize("url", ["postgresql://u@::1/db?table=t", "mysql://u@fe80::1:3306/db?table=t",
                                 "ftp://u@2001:db8::10/in"])
def test_an_ipv6_address_without_brackets_gets_the_bracket_hint(url: str) -> None:
    error = _settings_error(url)
    assert error.field == "url" and "needs brackets" in error.message, error


@pytest.mark.parametrize("url", ["ftp://u@[fe80::1%25eth0]:21/in",
                                 "postgresql://u@[fe80::1%25eth0]:5432/db?table=t",
                                 "mysql://u@[fe80::1%25eth0]:3306/db?table=t"])
def test_an_ipv6_zone_is_decoded_for_every_connector(url: str) -> None:
    settings = registry.for_url(url).settings(url)
    assert settings.host == "fe80::1%eth0"  # type: ignore[attr-defined]


def test_a_trailing_dot_fqdn_is_a_valid_ftp_host() -> None:
    settings = registry.for_url("ftp://u@files.example.com./in").settings("ftp://u@files.example.com./in")
    assert settings.host == "files.example.com."  # type: ignore[attr-defined]
