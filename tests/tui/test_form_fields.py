"""Every connector's form: the fields a user must fill are in the main part, not under
"Advanced", and labels keep their acronyms (generic rules of widgets/settings_form.py)."""

from __future__ import annotations

import pytest

from sourcedoctor.connectors import get
from sourcedoctor.tui.widgets.settings_form import field_specs, label_for


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
