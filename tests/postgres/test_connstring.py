"""The shared connection-string tokenizer and the PostgreSQL interpretation of the platform's
string (plain data: no server involved)."""

from __future__ import annotations

import pytest

from sourcedoctor.config.urls import SettingsError
from sourcedoctor.connectors.database.connstring import MAX_LENGTH, ConnStringError, parse
from sourcedoctor.connectors.database.names import IdentifierError, close_matches, split_qualified
from sourcedoctor.connectors.database.types import platform_type
from sourcedoctor.connectors.postgres.connstring import interpret, ssl_mode_of
from tests.postgres.helpers import settings


def test_tokenizer_keeps_order_offsets_quotes_and_duplicates() -> None:
    t = 'Server=db.x; Port = 5432;Password={a;b}}c};PWD="q""t";junk;Port=6543;'
    parsed = parse(t)
    assert [(p.key, p.value) for p in parsed.pairs] == [
        ("Server", "db.x"),
        ("Port", "5432"),
        ("Password", "a;b}c"),
        ("PWD", 'q"t'),
        ("junk", ""),
        ("Port", "6543"),
    ]
    assert parsed.pairs[1].start == 13 and parsed.pairs[2].quoted
    assert not parsed.pairs[4].has_equals
    assert parsed.value("PORT") == "6543"  # the last one, as drivers do
    assert [p.start for p in parsed.duplicates()["port"]] == [13, t.index("Port=6543")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Server=a\x00;Port=1", "nul"),
        ("Server=a\x07", "control"),
        ("x" * (MAX_LENGTH + 1), "too_long"),
        ("Server={db;Port=1", "unterminated"),
        ("  ;; ", "empty"),
        (";".join(f"K{i}=v" for i in range(100)), "too_many_pairs"),
    ],
)
def test_tokenizer_refuses_what_cannot_be_a_connection_string(text: str, reason: str) -> None:
    with pytest.raises(ConnStringError) as err:
        parse(text)
    assert err.value.reason == reason
    assert "\n" not in str(err.value) and len(str(err.value)) < 200


def test_errors_never_carry_values() -> None:
    with pytest.raises(ConnStringError) as err:
        parse("Password=hunter2\x00")
    assert "hunter2" not in str(err.value)


def test_platform_string_maps_onto_settings() -> None:
    s = settings(
        "postgresql://",
        connection_string=(
            "Server=db.example.com;Database=sales;Port=6432;UID=reader;Password=p;w;EncryptionMethod=1;"
            "ValidateServerCertificate=0"
        ),
    )
    assert (s.host, s.port, s.database, s.user, s.ssl_mode) == (
        "db.example.com",
        6432,
        "sales",
        "reader",
        "require",
    )
    assert s.password == "p"  # "w" after ';' is a key without '=' (reported by the settings layer)
    # ... as what it likely is: the rest of a password holding ';' (its text never shown).
    found = s.pasted.findings  # type: ignore[union-attr]
    assert [(f.code, f.evidence.get("maybe_password")) for f in found] == [
        ("config.connstring_unknown_key", True)]


def test_explicit_fields_win_over_the_string() -> None:
    s = settings("postgresql://other@h2:5555/db2", connection_string="Server=h1;Port=1;UID=u;Database=d")
    assert (s.host, s.port, s.user, s.database) == ("h2", 5555, "other", "db2")


@pytest.mark.parametrize(
    ("enc", "val", "mode"),
    [("0", None, "disable"), ("1", None, "verify-full"), ("1", "0", "require"), ("6", "1", "prefer")],
)
def test_encryption_method_as_ssl_mode(enc: str, val: str | None, mode: str) -> None:
    assert ssl_mode_of(enc, val) == mode


def test_mistakes_are_findings_naming_the_key() -> None:
    out = interpret("Server=h;PWD=secret-value;Sever=x;Port=abc;EncryptionMethod=2;Port=5432")
    by_code = {f.code: f for f in out.findings}
    assert set(by_code) == {
        "config.connstring_unknown_key",
        "config.connstring_bad_value",
        "config.connstring_duplicate_key",
    }
    unknown = [f for f in out.findings if f.code == "config.connstring_unknown_key"]
    assert {f.evidence["key"] for f in unknown} == {"PWD", "Sever"}
    assert any("Replace PWD with Password" in step for f in unknown for step in f.fix)
    assert any("Replace Sever with Server" in step for f in unknown for step in f.fix)
    assert all("secret-value" not in repr(f) for f in out.findings)


def test_url_forms_and_platform_aliases() -> None:
    s = settings("postgres://u@[::1]:6000/d?table=s.t&sslmode=verify-ca")
    assert (s.host, s.port, s.user, s.database, s.table, s.ssl_mode) == (
        "::1",
        6000,
        "u",
        "d",
        "s.t",
        "verify-ca",
    )
    s2 = settings(None, server="h", port=5433, database="d", username="u", password="pw", sslMode="require")
    assert (s2.host, s2.port, s2.user, s2.password, s2.ssl_mode) == ("h", 5433, "u", "pw", "require")
    with pytest.raises(SettingsError) as err:
        settings("postgresql://u:pw@h/d")
    assert "password" in str(err.value) and "pw" not in str(err.value).replace("password", "")
    with pytest.raises(SettingsError):
        settings("postgresql://u@h/d\x00")


def test_qualified_names_and_quoting_games() -> None:
    assert split_qualified('"My ""Schema"""."t.x"').schema == 'My "Schema"'
    assert str(split_qualified("public.orders")) == "public.orders"
    for bad in ('"open', "a.b.c", "a.", "x\x00", "", "t" * 400):
        with pytest.raises(IdentifierError):
            split_qualified(bad)
    # SQL is only ever a name: it parses as one (and the server will not find it).
    assert split_qualified("users; DROP TABLE x").name == "users; DROP TABLE x"


def test_close_matches_and_types() -> None:
    assert close_matches("order", ["orders", "customers", "Orders2"])[0] == "orders"
    assert platform_type("timestamp with time zone") == ("date-time", None)
    assert platform_type("integer[]")[0] == "array"
    assert platform_type("point", category="G")[0] is None
    assert platform_type("bytea")[0] is None
    assert platform_type("numeric(10,2)")[0] == "number"


def test_product_names_from_version_text() -> None:
    from sourcedoctor.connectors.postgres.checks.database import product_of

    assert product_of("PostgreSQL 8.0.2 on i686-pc-linux-gnu, Redshift 1.0.62312", False) == "Amazon Redshift"
    assert product_of("CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu)", False) == "CockroachDB"
    assert product_of("PostgreSQL 15.4 on aarch64-unknown-linux-gnu", True) == "Amazon Aurora PostgreSQL"
    assert product_of("PostgreSQL 16.1 (Debian 16.1-1)", False) == "PostgreSQL"


def test_hba_lines_quote_what_pg_hba_would_misread() -> None:
    from sourcedoctor.connectors.postgres.checks.auth import hba_line

    assert hba_line(encrypted=True, database="all", user="Reader One", address="10.0.0.5") == (
        'hostssl  "all"  "Reader One"  10.0.0.5/32  scram-sha-256'
    )
    assert hba_line(encrypted=False, database="shop", user="reader", address="::1").endswith(
        "::1/128  scram-sha-256"
    )
