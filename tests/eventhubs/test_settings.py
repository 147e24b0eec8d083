"""Event Hubs, settings only: every eventhubs.* code from parsing, a healthy control, the live
layers skipped as not testable offline, the CLI, bad input, and the key never in the output."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from typing import Any

import pytest

from sourcedoctor import api
from sourcedoctor.config.urls import SettingsError
from sourcedoctor.connectors import get
from sourcedoctor.model import Report, Severity, Status
from sourcedoctor.runner import run_to_report

KEY = base64.b64encode(bytes(range(32))).decode()  # the shape Azure generates: 32 bytes, 44 chars
NS = "acme-events"
CS = (f"Endpoint=sb://{NS}.servicebus.windows.net/;SharedAccessKeyName=platform-read;"
      f"SharedAccessKey={KEY};EntityPath=orders")


async def diagnose(url: str = f"eventhubs://{NS}/orders", **values: Any) -> Report:
    settings = get("eventhubs").settings(url, **values)
    return await run_to_report(api.runner(settings, timeout=5.0))


def codes(report: Report) -> list[str]:
    return [f.code for r in report.checks for f in r.findings]


async def test_healthy_settings_pass_and_live_layers_are_skipped_as_offline() -> None:
    report = await diagnose(connection_string=CS, consumer_group="aep-orders")
    assert [f for r in report.checks for f in r.findings if f.severity >= Severity.WARN] == []
    live = report.result("eventhubs.live")
    assert live is not None and live.status == Status.SKIP
    assert "not testable offline" in live.facts["skipped"]


async def test_empty_url_with_connection_string_works() -> None:
    report = await diagnose("eventhubs://", connection_string=CS, consumer_group="aep")
    facts = report.result("eventhubs.credentials").facts  # type: ignore[union-attr]
    assert facts["namespace_host"] == f"{NS}.servicebus.windows.net" and facts["event_hub"] == "orders"


@pytest.mark.parametrize("namespace", ["https://acme-events.servicebus.windows.net/",
                                       "acme.example.com", "ab", "acme-events "])
async def test_bad_namespace(namespace: str) -> None:
    report = await diagnose("eventhubs://", namespace=namespace, sas_key_name="p", sas_key=KEY)
    assert "eventhubs.namespace_invalid" in codes(report)


async def test_connection_string_missing_parts_and_quotes() -> None:
    report = await diagnose(connection_string=f'"Endpoint=sb://{NS}.servicebus.windows.net/;SharedAccessKeyName=p"')
    f = next(f for r in report.checks for f in r.findings if f.code == "eventhubs.connection_string_invalid")
    assert "is wrapped in quotes" in f.evidence["problems"]
    assert "has no SharedAccessKey" in f.evidence["problems"]


async def test_connection_string_for_another_namespace() -> None:
    report = await diagnose("eventhubs://other-space/orders", connection_string=CS)
    assert "eventhubs.connection_string_invalid" in codes(report)


async def test_sas_key_not_base64_and_short() -> None:
    bad = await diagnose(sas_key_name="p", sas_key="not base64!!")
    assert "eventhubs.sas_key_invalid" in codes(bad)
    short = await diagnose(sas_key_name="p", sas_key=base64.b64encode(b"x" * 16).decode())
    f = next(f for r in short.checks for f in r.findings if f.code == "eventhubs.sas_key_invalid")
    assert f.severity == Severity.WARN and "16 bytes" in f.summary


async def test_entity_path_names_another_hub() -> None:
    report = await diagnose(f"eventhubs://{NS}/payments", connection_string=CS)
    f = next(f for r in report.checks for f in r.findings if f.code == "eventhubs.entity_path_mismatch")
    assert "orders" in f.fix[0] and "payments" in f.fix[0]


async def test_names_and_default_group() -> None:
    report = await diagnose(f"eventhubs://{NS}/-bad-", sas_key_name="p", sas_key=KEY)
    assert "eventhubs.name_invalid" in codes(report)
    assert "eventhubs.consumer_group_default" in codes(report)  # none given: $Default


async def test_no_credentials() -> None:
    assert "auth.no_credentials" in codes(await diagnose())


def test_bad_input_is_a_settings_error() -> None:
    with pytest.raises(SettingsError) as err:
        get("eventhubs").settings(f"eventhubs://{NS}/h", connection_string="x" * (1 << 20))
    assert err.value.field == "connection_string"
    with pytest.raises(SettingsError):
        get("eventhubs").settings(f"eventhubs://{NS}/h", sas_key="a\x00b")
    with pytest.raises(SettingsError):
        get("eventhubs").settings("eventhubs://user:pw@ns/h")


def test_cli_json_keeps_the_key_out() -> None:
    env = {**os.environ, "CS": CS, "NO_COLOR": "1"}
    proc = subprocess.run(["sourcedoctor", "check", f"eventhubs://{NS}/orders", "--connection-string-env",
                           "CS", "--consumer-group", "aep", "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["target"]["connector"] == "eventhubs"
    assert KEY not in proc.stdout and KEY not in proc.stderr and "SharedAccessKey=" not in proc.stdout


def test_cli_text_says_the_service_was_not_checked_and_how_to_check_it() -> None:
    env = {**os.environ, "CS": CS, "NO_COLOR": "1", "COLUMNS": "300"}
    proc = subprocess.run(["sourcedoctor", "check", f"eventhubs://{NS}/orders", "--connection-string-env",
                           "CS", "--consumer-group", "aep-orders"],
                          capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "every layer works" not in out and "SETTINGS VALID" in out
    assert "the live service was not checked" in out
    # The by-hand command is in the text output, not only in the JSON facts.
    assert f"check by hand: az eventhubs eventhub show --namespace-name {NS} --name orders" in out
    assert "1 not run offline" in out


async def test_tui_offers_no_browse_and_no_all_passed_for_a_settings_only_run() -> None:
    from sourcedoctor.tui.screens.diagnostics import can_browse
    from sourcedoctor.tui.widgets.root_cause_banner import banner_text

    report = await diagnose(connection_string=CS, consumer_group="aep-orders")
    assert report.root_cause is None
    assert not can_browse(report, get("eventhubs"))
    banner = banner_text(report, None, browsable=False).plain
    assert "SETTINGS VALID" in banner and "PASSED" not in banner and "browse" not in banner
    assert "az eventhubs eventhub show" in banner


async def test_pasted_slips_get_the_shared_paste_fix() -> None:
    report = await diagnose(connection_string=CS + "\n", consumer_group="aep-orders")
    f = next(f for r in report.checks for f in r.findings
             if f.code == "eventhubs.connection_string_invalid")
    assert "line break at its end" in f.summary
    assert f.fix[0].startswith("Remove the trailing line break from the connection string")
    quoted = await diagnose(connection_string=f'"{CS}"', consumer_group="aep-orders")
    g = next(f for r in quoted.checks for f in r.findings
             if f.code == "eventhubs.connection_string_invalid")
    assert g.fix[0].startswith("Remove the quotes around the connection string")
