"""The Tansu behaviours tests/fixtures/tansu.py documents, proven, so a Tansu upgrade that changes
them shows here first (and the gaps in docs/streaming.md can be revisited)."""

from __future__ import annotations

from sourcedoctor.connectors.kafka import client
from sourcedoctor.connectors.kafka.checks.broker import offered_mechanisms
from tests.fixtures.tansu import TansuBroker
from tests.kafka.helpers import kafka


def test_tansu_echoes_the_client_mechanism_as_enabled(tansu: TansuBroker) -> None:
    for mechanism in ("SCRAM-SHA-256", "PLAIN"):
        answer = client.fetch_metadata(kafka(f"kafka://{tansu.bootstrap}", sasl_mechanism=mechanism,
                                             username="u", password="p"), 2.0)
        assert answer.cluster is None
        assert offered_mechanisms(answer.log) == [mechanism]


def test_tansu_consumer_group_describe_hides_members_of_a_classic_group(tansu: TansuBroker) -> None:
    settings = kafka(f"kafka://{tansu.bootstrap}")
    conf = client.base_config(settings, 3.0, client.LogTrap())
    with tansu.active_member("facts-group", "orders"):
        described = client._describe(conf, "facts-group", 3.0)
        assert described.members == [] and client._inconsistent(described)
        state = client.describe_group(settings, "facts-group", 3.0)
    assert len(state.members) == 1 and "classic" in state.described_by
