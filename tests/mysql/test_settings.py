"""Settings without a server: URLs, platform aliases, the pasted connection string, identifiers,
type mapping, the greeting parser on hand-made packets."""

from __future__ import annotations

import struct

import pytest

from sourcedoctor.connectors.mysql import connstring
from sourcedoctor.connectors.mysql.client import quote_identifier
from sourcedoctor.connectors.mysql.settings import MysqlSettings, redacted_url
from sourcedoctor.connectors.mysql.source import platform_type, split_relation
from sourcedoctor.connectors.mysql.wire import CLIENT_SSL, NotMysql, parse_greeting, ssl_request
from sourcedoctor.sources.rows import RowSourceError
from tests.mysql.helpers import settings

PLATFORM = "Server=db.example.com;Port=3306;Database=sales;UID=reader;PWD=s3cr;et"


def test_url_forms() -> None:
    s = settings("mysql://reader@db.example.com:3307/sales?table=orders&sslMode=REQUIRED")
    assert (s.host, s.port, s.user, s.database, s.table, s.ssl_mode) == (
        "db.example.com", 3307, "reader", "sales", "orders", "require")
    m = settings("mariadb://u@[2001:db8::1]/d")
    assert m.host == "2001:db8::1" and m.port == 3306
    assert redacted_url(s) == "mysql://reader@db.example.com:3307/sales?table=orders"


def test_platform_field_names_validate() -> None:
    s = MysqlSettings.model_validate({"server": "h", "port": 3306, "database": "d", "username": "u",
                                      "password": "p", "sslMode": "VERIFY_IDENTITY"})
    assert (s.host, s.user, s.ssl_mode) == ("h", "u", "verify-full")


def test_connection_string_fills_the_settings_and_the_url_may_be_empty() -> None:
    s = settings("mysql://", connection_string="Server=db.example.com;Port=3306;Database=sales;"
                                                 "UID=reader;PWD={s3cr;et}")
    assert (s.host, s.port, s.database, s.user) == ("db.example.com", 3306, "sales", "reader")
    assert s.password is not None and s.password.get_secret_value() == "s3cr;et"
    assert connstring.judge(s.connection_string.get_secret_value()) == []  # type: ignore[union-attr]


def test_explicit_values_win_over_the_connection_string() -> None:
    s = settings("mysql://other@h2:3310/x", connection_string="Server=h1;Port=3306;UID=u;PWD=p")
    assert (s.host, s.port, s.user, s.database) == ("h2", 3310, "other", "x")


def test_explained_keys_never_show_the_password() -> None:
    explained = connstring.explain("Server=h;Foo=bar;UID=u;PWD=hunter2;Hun=ter")
    assert {"key": "PWD", "means": "the password (never shown)"} in explained
    assert "hunter2" not in repr(explained)
    assert explained[1] == {"key": "Foo", "means": "not read by the platform's MySQL connector"}
    # Right after an unquoted PWD, text that is no key may be the password's rest: not shown.
    assert "Hun" not in repr(explained) and explained[-1]["key"] == "(text after PWD=, not shown)"


@pytest.mark.parametrize(("text", "code", "key"), [
    ("Server=h;UID=u;Password=p", "config.connstring_unknown_key", "Password"),
    ("Server=h;User=u;PWD=p", "config.connstring_unknown_key", "User"),
    ("Server=h;Port=5432;UID=u;PWD=p", "config.db_port_of_other_server", "Port"),
    ("Server=h;Port=33o6;UID=u;PWD=p", "config.connstring_bad_value", "Port"),
    ("Server=h;UID=u;PWD=p;Encrypt=yes", "config.connstring_unknown_key", "Encrypt"),
    ("Server=h;UID=u;PWD=p;SslMode=sometimes", "config.connstring_bad_value", "SslMode"),
    ("Server=h;UID=u;PWD=p;UID=v", "config.connstring_duplicate_key", "UID"),
    ("Server h;UID=u;PWD=p", "config.connstring_bad_value", "Server h"),
])
def test_connection_string_mistakes(text: str, code: str, key: str) -> None:
    found = connstring.judge(text)
    assert [f.code for f in found] == [code]
    assert found[0].evidence["key"] == key


def test_password_key_suggests_pwd_and_is_still_used() -> None:
    finding = connstring.judge("Server=h;UID=u;Password=p")[0]
    assert finding.evidence["suggestion"] == "PWD"
    assert "PWD" in finding.fix[0]
    s = settings("mysql://", connection_string="Server=h;UID=u;Password=pw1")
    assert s.password is not None and s.password.get_secret_value() == "pw1"


def test_unknown_key_gets_the_closest_platform_key() -> None:
    finding = connstring.judge("Server=h;Databse=d;UID=u;PWD=p")[0]
    assert finding.evidence["suggestion"] == "Database"


def test_quote_identifier_doubles_backticks() -> None:
    assert quote_identifier("we`ird") == "`we``ird`"
    assert quote_identifier("a`; DROP TABLE x; --") == "`a``; DROP TABLE x; --`"


def test_relation_names_are_checked() -> None:
    assert split_relation("db.t.x", None) == ("db", "t.x")
    assert split_relation("t", "db") == ("db", "t")
    with pytest.raises(RowSourceError):
        split_relation("db." + "t" * 65, None)
    with pytest.raises(RowSourceError):
        split_relation("t ", "db")


@pytest.mark.parametrize(("data_type", "column_type", "expected"), [
    ("tinyint", "tinyint(1)", "boolean"), ("tinyint", "tinyint(4)", "integer"),
    ("bigint", "bigint(20) unsigned", "integer"), ("decimal", "decimal(10,2)", "number"),
    ("varchar", "varchar(20)", "string"), ("json", "json", "object"), ("date", "date", "date"),
    ("timestamp", "timestamp", "date-time"), ("point", "point", None), ("blob", "blob", None),
    ("bit", "bit(8)", None), ("bit", "bit(1)", "boolean"), ("enum", "enum('a','b')", "string"),
])
def test_platform_types(data_type: str, column_type: str, expected: str | None) -> None:
    ptype, note = platform_type(data_type, column_type)
    assert ptype == expected
    assert (note is not None) == (expected is None)


def _greeting(version: bytes, caps: int, plugin: bytes) -> bytes:
    payload = (b"\x0a" + version + b"\x00" + struct.pack("<I", 7) + b"a" * 8 + b"\x00"
               + struct.pack("<H", caps & 0xFFFF) + b"\x2d" + struct.pack("<H", 2)
               + struct.pack("<H", caps >> 16) + b"\x15" + b"\x00" * 10 + b"b" * 12 + b"\x00"
               + plugin + b"\x00")
    return struct.pack("<I", len(payload))[:3] + b"\x00" + payload


def test_greeting_of_a_mysql8_server() -> None:
    caps = 0x1 | 0x200 | CLIENT_SSL | 0x8000 | 0x80000
    g = parse_greeting(_greeting(b"8.0.36", caps, b"caching_sha2_password"))
    assert (g.product, g.version_number, g.supports_tls, g.auth_plugin) == (
        "MySQL", "8.0.36", True, "caching_sha2_password")
    request = ssl_request(g)
    assert len(request) == 36 and request[3] == 1
    assert struct.unpack("<I", request[4:8])[0] & CLIENT_SSL


def test_not_a_greeting() -> None:
    with pytest.raises(NotMysql):
        parse_greeting(b"SSH-2.0-OpenSSH_9.2\r\n")
    with pytest.raises(NotMysql):
        parse_greeting(b"\x05\x00\x00\x00\x0b5.7")
