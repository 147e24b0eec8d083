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
