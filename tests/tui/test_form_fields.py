"""Every connector's form: the fields a user must fill are in the main part, not under
"Advanced", and labels keep their acronyms (generic rules of widgets/settings_form.py)."""

from __future__ import annotations

import pytest

from sourcedoctor.connectors import get
from sourcedoctor.model import Status
from sourcedoctor.tui.widgets.settings_form import field_specs, label_for
from tests.fixtures import tcp_listening
from tests.fixtures.relay import LatencyRelay
from tests.support import IN_CI


def _specs(connector: str) -> dict[str, tuple[str, bool]]:
    return {s.name: (s.label, s.essential) for s in field_specs(get(connector).settings_model)}


@pytest.mark.parametrize(("connector", "field"), [("azblob", "container"), ("ftp", "tls_mode"),
                                                  ("eventhubs", "namespace")])
def test_fields_a_user_must_fill_are_not_under_advanced(connector: str, field: str) -> None:
    assert _specs(connector)[field][1] is True


@pytest.mark.parametrize(("connector", "field", "label"), [
    ("azblob", "sas_uri", "SAS URI"), ("inlet", "ims_org", "IMS org"), ("ftp", "tls_mode", "TLS mode"),
    ("eventhubs", "sas_key_name", "SAS key name"), ("inlet", "inlet_url", "Inlet URL")])
def test_labels_keep_their_acronyms(connector: str, field: str, label: str) -> None:
    assert _specs(connector)[field][0] == label


def test_label_rule() -> None:
    assert label_for("sas_uri") == "SAS URI" and label_for("endpoint_url") == "Endpoint URL"


async def test_a_trailing_space_reaches_the_diagnosis_as_on_the_cli() -> None:
    """The form hands values over as typed: the inlet URL's trailing space is the same
    config.invalid the CLI reports, not dropped silently."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    from sourcedoctor import api
    from sourcedoctor.runner import run_to_report
    from sourcedoctor.tui.widgets.settings_form import SettingsForm

    model = get("inlet").settings_model
    url = "https://dcs.adobedc.net/collection/" + "a" * 64 + " "

    class FormApp(App[None]):
        def compose(self) -> ComposeResult:
            yield SettingsForm(model)

    app = FormApp()
    async with app.run_test() as pilot:
        app.query_one("#field-inlet_url", Input).value = url
        await pilot.pause()
        values = app.query_one(SettingsForm).values()
    assert values["inlet_url"] == url
    settings = get("inlet").settings(None, **values)
    report = await run_to_report(api.runner(settings, timeout=2.0))
    assert report.root_cause is not None and report.root_cause.code == "config.invalid"
    assert "spaces" in report.root_cause.summary


def test_the_banners_key_hint_never_leaves_the_field_name_alone_on_a_line() -> None:
    from rich.console import Console

    from sourcedoctor.tui.widgets.root_cause_banner import banner_text
    from tests.tui import sample_data as data

    report = data.failing_report()
    for width in range(40, 121):
        console = Console(width=width, record=True, color_system=None)
        console.print(banner_text(report, "password"))
        lines = [line.strip() for line in console.export_text().splitlines()]
        # "[e] edit password" stays one piece at every width, never "[e] edit" + "password"
        assert "[e] edit password" in lines, (width, lines)


async def test_a_pasted_connection_strings_port_wins_over_an_untouched_port_box() -> None:
    """The MySQL form shows 3306 greyed, not filled in: a connection string's Port= reaches the
    machine's MariaDB through a relay on another port, as on the CLI."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    from sourcedoctor import api
    from sourcedoctor.runner import run_to_report
    from sourcedoctor.tui.widgets.settings_form import SettingsForm

    if not tcp_listening(3306):
        if IN_CI:
            pytest.fail("CI=true and the machine's MariaDB is not listening on 3306", pytrace=False)
        pytest.skip("the machine's MariaDB is not listening on 127.0.0.1:3306")
    model = get("mysql").settings_model

    class FormApp(App[None]):
        def compose(self) -> ComposeResult:
            yield SettingsForm(model)

    app = FormApp()
    async with app.run_test() as pilot:
        box = app.query_one("#field-port", Input)
        assert box.value == "" and box.placeholder == "3306"
        with LatencyRelay(3306, rtt=0.0) as relay:
            app.query_one("#field-connection_string", Input).value = (
                f"Server=127.0.0.1;Port={relay.port};UID=root")
            await pilot.pause()
            values = app.query_one(SettingsForm).values()
            assert "port" not in values
            settings = get("mysql").settings(None, **values)
            assert settings.port == relay.port
            report = await run_to_report(api.runner(settings, timeout=5.0))
            assert relay.connections >= 1  # the run went to the pasted port, not to 3306
    by_id = {c.check_id: c.status for c in report.checks}
    assert by_id["tcp.connect"] is Status.PASS and by_id["db.auth"] is Status.PASS
