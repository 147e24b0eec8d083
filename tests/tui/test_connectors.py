"""Connectors in the app: Home offers one "New connection" per installed connector, the S3 form is
generated from S3Settings, and it diagnoses, browses and jumps (``e``) against a real S3 peer —
moto's server mode over HTTPS with a test CA (tests/fixtures/moto.py, the S3 suite's fixtures).

Assertions are on codes, option ids, field ids and data, never on prose."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.widgets import Input, OptionList, Select, Tree

from sourcedoctor.connectors import get, names
from sourcedoctor.connectors.s3.settings import S3Settings
from sourcedoctor.model import Status, Verdict
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore
from sourcedoctor.tui.screens.browse import BrowseScreen
from sourcedoctor.tui.screens.diagnostics import DiagnosticsScreen, can_browse
from sourcedoctor.tui.screens.export import ExportScreen
from sourcedoctor.tui.screens.home import HomeScreen
from sourcedoctor.tui.screens.setup import SetupScreen
from sourcedoctor.tui.widgets.settings_form import FormField, SettingsForm, field_specs
from tests.fixtures.moto import BUCKET, MotoServer
from tests.fixtures.tls import Certificates

# The S3 suite's peers, reused (not copied): a seeded moto over HTTPS, IAM-checked (``moto``) and
# accepting any signature (``open_moto``, for listings), its CA, and no ambient AWS credentials.
from tests.s3.conftest import certs, moto, no_ambient_aws, open_moto  # noqa: F401

from . import sample_data as data
from .conftest import MemoryKeyring, save_profile, wait_until

SIZE = (100, 30)


async def _open_s3_form(pilot: Any) -> SetupScreen:
    """Home → the "New: Amazon S3 …" entry, chosen with the keyboard."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
    start = app.screen.query_one("#start", OptionList)
    start.focus()
    start.highlighted = next(i for i in range(start.option_count)
                             if start.get_option_at_index(i).id == "new:s3")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen)
                     and bool(app.screen.query(SettingsForm)), what="the S3 form")
    screen = app.screen
    assert isinstance(screen, SetupScreen)
    return screen


async def _type(pilot: Any, field: str, text: str) -> None:
    widget = pilot.app.screen.query_one(f"#field-{field}", Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def _fill(pilot: Any, server: MotoServer, ca: Certificates, *, bucket: str = BUCKET,
                user: str = "reader") -> None:
    """Fill the form as a user would: the platform's fields typed, the advanced ones set."""
    keys = server.keys[user]
    await _type(pilot, "bucket", bucket)
    await _type(pilot, "folder", "in")
    await _type(pilot, "endpoint_url", server.endpoint)
    await _type(pilot, "access_key_id", keys.access_key_id)
    await _type(pilot, "secret_access_key", keys.secret_access_key)
    # Under "Advanced": the test CA and the signing region (moto's endpoint names none).
    screen = pilot.app.screen
    screen.query_one("#field-ca_bundle", Input).value = str(ca.ca_pem)
    screen.query_one("#field-region", Input).value = "us-east-1"
    screen.query_one("#field-addressing_style", Select).value = "path"
    await pilot.pause()


def test_s3_form_comes_from_its_settings_model() -> None:
    specs = {s.name: s for s in field_specs(S3Settings)}
    assert set(specs) == set(S3Settings.model_fields)
    # The platform's names are the hints (GCS's HMAC names too), secrets are masked.
    assert specs["bucket"].hint == "bucketName" and specs["endpoint_url"].hint == "serviceUrl"
    assert specs["access_key_id"].hint == "s3AccessKey / accessKeyId"
    assert specs["secret_access_key"].kind == "secret" and specs["session_token"].kind == "secret"
    assert specs["addressing_style"].kind == "choice"
    assert specs["addressing_style"].choices == ("auto", "path", "virtual")
    assert specs["max_entries"].kind == "int"
    assert specs["bucket"].help == S3Settings.model_fields["bucket"].description
    # What the platform's form asks for comes first; the rest is "Advanced".
    first = {n for n, s in specs.items() if s.essential}
    assert first == {"bucket", "folder", "access_key_id", "secret_access_key", "session_token",
                     "endpoint_url"}


async def test_home_offers_a_new_connection_per_connector(profiles: ProfileStore) -> None:
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        start = app.screen.query_one("#start", OptionList)
        ids = [start.get_option_at_index(i).id for i in range(start.option_count)]
        # One entry per installed connector, SFTP's first (it keeps the plain "new" id).
        assert [i for i in ids if i and i.startswith("new")] == [
            "new", *(f"new:{n}" for n in names() if n != "sftp")]
        assert {str(start.get_option_at_index(i).prompt) for i in range(len(names()))} == {
            f"New: {get(n).title}" for n in names()}
        # Each entry opens its connector's form; n still opens SFTP's.
        screen = await _open_s3_form(pilot)
        assert screen.connector.name == "s3"
        assert screen.query_one(SettingsForm).model is S3Settings
        assert app.focused is not None and app.focused.id == "field-bucket"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
        assert isinstance(app.screen, SetupScreen) and app.screen.connector.name == "sftp"


async def test_s3_form_validates_as_you_type(profiles: ProfileStore) -> None:
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_s3_form(pilot)
        await _type(pilot, "bucket", "s3://data")
        row = screen.query_one("#row-bucket", FormField)
        assert row.query_one(".field-help").has_class("-error")
        await _type(pilot, "bucket", "data")
        assert not row.query_one(".field-help").has_class("-error")
        await _type(pilot, "endpoint_url", "ftp://example.com")
        assert screen.query_one("#row-endpoint_url", FormField).query_one(
            ".field-help").has_class("-error")
        # ^R refuses and puts the cursor in the bad field.
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, SetupScreen)
        assert app.focused is not None and app.focused.id == "field-endpoint_url"


async def test_s3_form_diagnoses_and_browses_a_real_bucket(
        open_moto: MotoServer, certs: Certificates, profiles: ProfileStore) -> None:  # noqa: F811
    app = SourceDoctorApp(profiles=profiles, timeout=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await _open_s3_form(pilot)
        await _fill(pilot, open_moto, certs)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen), what="diag")
        diag = app.screen
        assert isinstance(diag, DiagnosticsScreen)
        await wait_until(pilot, lambda: diag.report is not None, timeout=60, what="the report")
        report = diag.report
        assert report is not None
        assert report.verdict is Verdict.PASS, report.codes
        assert report.target["connector"] == "s3" and report.target["bucket"] == BUCKET
        assert {"s3.bucket", "s3.listing"} <= {r.check_id for r in report.checks
                                                if r.status is Status.PASS}
        assert can_browse(report, get("s3"))

        # Browse the prefix through the same generic api.open_source.
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, BrowseScreen), what="browse")
        tree = app.screen.query_one(Tree)
        await wait_until(pilot, lambda: any(n.data is not None for n in tree.root.children),
                         timeout=30, what="the listing")
        listed = {n.data.name for n in tree.root.children if n.data is not None}
        assert {"a.csv", "b.csv"} <= listed


async def test_e_jumps_to_the_s3_field_behind_the_root_cause(
        moto: MotoServer, certs: Certificates, profiles: ProfileStore) -> None:  # noqa: F811
    app = SourceDoctorApp(profiles=profiles, timeout=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await _open_s3_form(pilot)
        # admin may list every bucket, so a missing one is NoSuchBucket (not AccessDenied).
        await _fill(pilot, moto, certs, bucket="no-such-bucket", user="admin")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen), what="diag")
        diag = app.screen
        assert isinstance(diag, DiagnosticsScreen)
        await wait_until(pilot, lambda: diag.report is not None, timeout=60, what="the report")
        assert diag.report is not None and diag.report.root_cause is not None
        assert diag.report.root_cause.code == "s3.no_such_bucket", diag.report.codes
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="the form")
        assert app.focused is not None and app.focused.id == "field-bucket"
        # The form kept what was typed: fix the bucket and run again.
        assert app.screen.query_one(SettingsForm).values()["bucket"] == "no-such-bucket"


async def test_s3_profile_keeps_its_connector_and_its_secrets_out_of_the_file(
        profiles: ProfileStore, memory_keyring: MemoryKeyring) -> None:
    settings = get("s3").settings("s3://data/in", access_key_id="AKIAEXAMPLEKEY0001",
                                  secret_access_key="wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY")
    await save_profile(SourceDoctorApp(profiles=profiles, settings=settings), "lake-drop")
    assert "wJalrXUtnFEMI" not in profiles.path.read_text()
    assert memory_keyring.store == {
        ("sourcedoctor", "lake-drop:secret_access_key"): "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"}
    assert profiles.connector("lake-drop") == "s3"
    # Reopened from Home: the S3 form, secret included.
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=SIZE) as pilot:
        app.action_open_profile("lake-drop")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen)
                         and bool(app.screen.query(SettingsForm)))
        assert isinstance(app.screen, SetupScreen) and app.screen.connector.name == "s3"
        values = app.screen.query_one(SettingsForm).values()
        assert values["bucket"] == "data" and values["folder"] == "in"
        assert values["secret_access_key"] == "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


async def test_export_of_an_s3_run_redacts_the_s3_secrets(profiles: ProfileStore, tmp_path: Any) -> None:
    secret, token = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEXAMPLE-token"
    settings = get("s3").settings("s3://data/in", access_key_id="AKIAEXAMPLEKEY0001",
                                  secret_access_key=secret, session_token=token)
    base = data.failing_report()
    # Secrets that leaked into evidence must still not reach the export.
    first = base.checks[0]
    leaked = replace(first, facts={**first.facts, "echo": f"{secret} {token}"})
    report = replace(base, checks=(leaked, *base.checks[1:]))
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=SIZE) as pilot:
        screen = ExportScreen(report, settings, directory=tmp_path)
        await app.push_screen(screen)
        await pilot.pause()
        text = screen.rendered()
        assert secret not in text and token not in text
        assert "auth.password_rejected" in text  # the report itself is there
