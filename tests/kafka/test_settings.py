"""Kafka settings: URL forms, platform names, bad input (NUL, 1 MB, garbage) as one error naming
the field, and the settings layer's cross-field rules — before any network use."""

from __future__ import annotations

import pytest

from sourcedoctor.config.urls import SettingsError
from sourcedoctor.connectors import for_url, get
from tests.kafka.helpers import kafka, run_plan


def test_url_forms_and_platform_names() -> None:
    s = kafka("kafka://b1:9092,b2:9093/orders")
    assert s.servers == [("b1", 9092), ("b2", 9093)] and s.topic == "orders"
    assert s.security_protocol == "PLAINTEXT" and not s.tls
    ssl = kafka("kafka+ssl://broker/orders", sasl_mechanism="SCRAM-SHA-512", username="u",
                password="p")
    assert ssl.port == 9092 and ssl.security_protocol == "SASL_SSL"
    platform = get("kafka").settings(None, bootstrapServers="b:9092", topic="t", groupId="flow-1",
                                     saslMechanism="PLAIN")
    assert platform.consumer_group == "flow-1" and platform.sasl_mechanism == "PLAIN"  # type: ignore[attr-defined]
    assert for_url("KAFKA+SSL://b/t").name == "kafka"
    empty_host = get("kafka").settings("kafka://", bootstrap_servers="b:9092")
    assert empty_host.host == "b"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("url", "field"), [
    ("kafka://b:9092/or\x00ders", "url"),
    ("kafka://b:99999/t", "bootstrap_servers"),
    ("kafka://user:pw@b:9092/t", "url"),
    ("kafka://b:9092/" + "t" * (1 << 20), "topic"),
    ("kafka://b:9092/bad topic!", "topic"),
    ("kafka://b:9092/t?x=1", "url"),
    ("kafka:///t", "bootstrap_servers"),
    ("kafka://" + "a" * 300 + ":9092/t", "bootstrap_servers"),
])
def test_bad_urls_name_the_field(url: str, field: str) -> None:
    with pytest.raises(SettingsError) as err:
        kafka(url)
    assert err.value.field == field
    assert len(str(err.value)) < 400  # one line, never the 1 MB value echoed back


def test_bad_option_values_name_the_field() -> None:
    with pytest.raises(SettingsError) as err:
        kafka("kafka://b/t", sasl_mechanism="GSSAPI")
    assert err.value.field == "sasl_mechanism" and "PLAIN" in err.value.message
    with pytest.raises(SettingsError) as err:
        kafka("kafka://b/t", rows=0)
    assert err.value.field == "rows"
    with pytest.raises(SettingsError) as err:
        kafka("kafka://b/t", consumer_group="g\x00")
    assert err.value.field == "consumer_group"


async def test_sasl_without_password_is_no_credentials_before_any_connection() -> None:
    # 192.0.2.1 (TEST-NET-1) is never reached: the settings layer stops the run first
    report, _ = await run_plan(kafka("kafka://192.0.2.1:9092/t", sasl_mechanism="PLAIN",
                                     username="u"))
    assert report.root_cause is not None and report.root_cause.code == "auth.no_credentials"
    assert report.result("tcp.connect").status.name == "SKIP"  # type: ignore[union-attr]


async def test_password_without_mechanism_is_config_invalid() -> None:
    report, _ = await run_plan(kafka("kafka://192.0.2.1:9092/t", username="u", password="p"))
    assert report.root_cause is not None and report.root_cause.code == "config.invalid"
    assert get("kafka").field_for(report.checks[0].findings[0]) == "sasl_mechanism"
    fix = report.checks[0].findings[0].fix
    assert "--sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512" in fix[0] and "drop --username" in fix[0]
