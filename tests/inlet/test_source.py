"""The records file as a RowSource (preview shows records as a table), and settings parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sourcedoctor.config.urls import SettingsError
from sourcedoctor.connectors import UnknownConnector, for_url, get
from sourcedoctor.connectors.inlet.records import parse_records
from sourcedoctor.connectors.inlet.source import RecordSource, platform_type
from sourcedoctor.sources.rows import RowSource, RowSourceError
from tests.fixtures.tls import Certificates
from tests.inlet.helpers import inlet_settings, run_plan, write_lines, xdm
from tests.inlet.peer import INLET_ID, InletPeer


async def test_record_source_flattens_xdm_entities_with_platform_types() -> None:
    data = "".join(json.dumps(r) + "\n" for r in (
        xdm(amount=12, active=True, tags=["a"]), xdm(_id="2", amount=3.5, active=False, tags=[])))
    rf = parse_records(data.encode())
    source = RecordSource(rf, "r.json")
    assert isinstance(source, RowSource)
    listing = await source.relations()
    assert [r.name for r in listing.relations] == ["r.json"] and listing.relations[0].rows_estimate == 2
    sample = await source.sample("r.json", limit=10)
    types = {c.name: c.platform_type for c in sample.columns}
    assert types["person.name.firstName"] == "string"
    assert types["timestamp"] == "date-time" and types["amount"] == "number"
    assert types["active"] == "boolean" and types["tags"] == "array"
    assert sample.rows[0][[c.name for c in sample.columns].index("_id")] == "1"
    assert sample.more is False and any("xdmEntity" in n for n in sample.notes)
    assert len((await source.sample("r.json", limit=1)).rows) == 1
    with pytest.raises(RowSourceError):
        await source.sample("other", limit=1)


async def test_source_of_after_the_payload_layer(inlet: InletPeer, certs: Certificates,
                                                 tmp_path: Path) -> None:
    records = write_lines(tmp_path / "events.json", {"customer_id": "1", "n": 1})
    settings = inlet_settings(inlet, certs, file=str(records), flow_id="f")
    _, state = await run_plan(settings)
    source, relation = get("inlet").source_of(state)
    assert relation == "events.json"
    sample = await source.sample(relation, limit=5)
    assert {c.name: c.platform_type for c in sample.columns} == {"customer_id": "string", "n": "integer"}


def test_platform_type_of_mixed_values() -> None:
    assert platform_type([1, 2.5]) == "number"
    assert platform_type(["2026-01-01", "x"]) == "string"
    assert platform_type([None]) is None


def test_registry_claims_only_collection_urls() -> None:
    assert for_url(f"https://dcs.adobedc.net/collection/{INLET_ID}").name == "inlet"
    assert for_url(f"inlet://{INLET_ID}").settings(f"inlet://{INLET_ID}").host == "dcs.adobedc.net"  # type: ignore[attr-defined]
    with pytest.raises(UnknownConnector):
        for_url("https://example.com/somewhere")


@pytest.mark.parametrize("url, field", [
    (f"https://dcs.adobedc.net/collection/{INLET_ID}\x00", "inlet_url"),
    ("https://dcs.adobedc.net/other/x", "url"),
    (f"https://user:pw@dcs.adobedc.net/collection/{INLET_ID}", "inlet_url"),
    (f"https://dcs.adobedc.net:99999/collection/{INLET_ID}", "inlet_url"),
    ("https://dcs.adobedc.net/collection/", "inlet_url"),
])
def test_malformed_urls_name_the_field(url: str, field: str) -> None:
    with pytest.raises(SettingsError) as err:
        get("inlet").settings(url)
    assert err.value.field == field


def test_huge_values_are_refused_by_field() -> None:
    with pytest.raises(SettingsError) as err:
        get("inlet").settings(f"https://dcs.adobedc.net/collection/{INLET_ID}", flow_id="f\x00" * 10)
    assert err.value.field == "flow_id"
    with pytest.raises(SettingsError):
        get("inlet").settings("https://" + "a" * (1 << 20) + f"/collection/{INLET_ID}")


def test_reproduce_and_target_block_hold_no_token() -> None:
    c = get("inlet")
    s = c.settings(f"https://dcs.adobedc.net/collection/{INLET_ID}", token="secret-token-value-123",
                   send=True)
    assert "secret-token-value-123" not in c.reproduce(s, "generic", 10.0)
    assert "--token-env" in c.reproduce(s, "generic", 10.0) and "--send" in c.reproduce(s, "generic", 10.0)
    assert c.target_block(s, "generic")["token"] == "set"
    assert "secret-token-value-123" not in json.dumps(c.target_block(s, "generic"))


def test_207_body_of_the_troubleshooting_guide_is_decoded_entry_by_entry() -> None:
    """The batch answer documented in the "Streaming ingestion troubleshooting guide" (plain data:
    the connector sends one message, so a live 207 only comes from a batch sender)."""
    from sourcedoctor.connectors.inlet.answers import send_findings
    from sourcedoctor.connectors.inlet.client import InletAnswer

    body = {"inletId": INLET_ID, "batchId": "1565638336649:1750:244", "receivedTimeMs": 1565638336705,
            "responses": [{"xactionId": "1565650704337:2124:92:3"},
                          {"statusCode": 400, "message": f"inletId: [{INLET_ID}] imsOrgId: [{{IMS_ORG}}] "
                                                         "Message has unknown xdm format"}]}
    s = get("inlet").settings(f"https://dcs.adobedc.net/collection/{INLET_ID}")
    found, facts = send_findings(InletAnswer(207, {}, json.dumps(body).encode()), s, 100)  # type: ignore[arg-type]
    assert facts["xactionIds"] == ["1565650704337:2124:92:3"] and facts["batchId"]
    assert [f.code for f in found] == ["stream.unknown_xdm_format"]
