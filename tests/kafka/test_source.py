"""The Kafka RowSource against Tansu (topics → relations, records → rows), and the record decoder
on plain bytes (JSON, schema-registry framed, text, binary) and plain metadata."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sourcedoctor.connectors.kafka.checks.topic import close_matches, topic_problems
from sourcedoctor.connectors.kafka.client import PartitionInfo, TopicInfo
from sourcedoctor.connectors.kafka.records import CELL_CAP, confluent_schema_id, decode_value
from sourcedoctor.sources.rows import RowSource, RowSourceError
from tests.fixtures.tansu import AVRO_FRAMED, TEXT, TansuBroker
from tests.kafka.helpers import kafka, run_plan


async def _source(tansu: TansuBroker, topic: str = "orders") -> RowSource:
    _, state = await run_plan(kafka(f"kafka://{tansu.bootstrap}/{topic}"))
    assert state.source is not None
    assert isinstance(state.source, RowSource)
    return state.source


async def test_topics_are_relations_and_json_fields_are_columns(tansu: TansuBroker) -> None:
    source = await _source(tansu)
    listing = await source.relations()
    assert {r.name for r in listing.relations} >= {"orders", "mixed", "empty"}
    assert all(r.kind == "topic" for r in listing.relations)
    sample = await source.sample("orders", limit=10)
    cols = {c.name: c.platform_type for c in sample.columns}
    assert cols == {"partition": "integer", "offset": "integer", "timestamp": "date-time",
                    "key": "string", "id": "integer", "name": "string", "amount": "number",
                    "address.city": "string"}
    names = [c.name for c in sample.columns]
    rows = [dict(zip(names, row, strict=True)) for row in sample.rows]
    assert sorted(r["name"] for r in rows) == ["alice", "bob", "carol"]
    assert {r["key"] for r in rows} == {"k1", "k2", "k3"}
    assert all(isinstance(r["timestamp"], dt.datetime) for r in rows)
    assert sample.more is None  # a stream has no end


async def test_mixed_values_are_one_column_with_notes(tansu: TansuBroker) -> None:
    sample = await (await _source(tansu)).sample("mixed", limit=10)
    assert [c.name for c in sample.columns][-1] == "value"
    values = [row[-1] for row in sample.rows]
    assert values[0] == json.dumps({"id": 9})
    # magic byte 0 + schema id cannot tell Avro from Protobuf or JSON Schema: not called Avro
    assert values[1] == f"<schema-registry framed (schema id 7), {len(AVRO_FRAMED)} bytes>"
    assert values[2] == TEXT.decode()
    assert any("schema id 7" in n and "schema registry" in n for n in sample.notes)
    assert not any("avro" in n.lower() and "protobuf" not in n.lower() for n in sample.notes)
    assert not sample.problems  # mostly not JSON: one value column, nothing split off


async def test_sample_is_bounded_and_unknown_topic_is_not_found(tansu: TansuBroker) -> None:
    source = await _source(tansu)
    assert len((await source.sample("orders", limit=2)).rows) == 2
    with pytest.raises(RowSourceError) as err:
        await source.sample("nope", limit=5)
    assert err.value.kind == "not_found"


async def test_a_one_megabyte_value_is_read_and_shown_cut(tansu: TansuBroker) -> None:
    tansu.create_topic("huge", 1)
    tansu.produce("huge", [json.dumps({"blob": "x" * (1 << 20)}).encode()])
    report, state = await run_plan(kafka(f"kafka://{tansu.bootstrap}/huge"))
    assert report.result("kafka.records").facts["largest_value_bytes"] > 1 << 20  # type: ignore[union-attr]
    assert state.source is not None
    sample = await state.source.sample("huge", limit=1)
    blob = sample.rows[0][-1]
    assert isinstance(blob, str) and len(blob) == CELL_CAP + 1  # cut, with an ellipsis


def test_decoder_tells_the_kinds_apart() -> None:
    assert decode_value(b'{"a": {"b": 1}}').fields == {"a.b": 1}
    assert decode_value(AVRO_FRAMED).kind == "framed" and confluent_schema_id(AVRO_FRAMED) == 7
    assert decode_value(b"hello").kind == "text"
    assert decode_value(b"\xff\xfe\x00").kind == "binary"
    assert decode_value(b"with \x00 nul").kind == "binary"
    assert decode_value(None).kind == "null"
    assert decode_value(b"{not json").kind == "text"


def test_leaderless_partitions_and_refused_topics_are_unavailable() -> None:
    # Tansu always has a leader for every partition: these shapes are what librdkafka reports
    # for a cluster with a broker down (leader -1) or an ACL refusal (see docs/streaming.md).
    down = TopicInfo("t", None, None, (PartitionInfo(0, 1, (1,), (1,), None),
                                       PartitionInfo(1, -1, (2,), (), "LEADER_NOT_AVAILABLE")))
    assert topic_problems(down) == {"partitions_without_leader": [1]}
    refused = TopicInfo("t", "Broker: Topic authorization failed", "TOPIC_AUTHORIZATION_FAILED", ())
    assert topic_problems(refused)["error_code"] == "TOPIC_AUTHORIZATION_FAILED"
    assert close_matches("Orders", ["orders", "orders-v2", "payments"]) == ["orders", "orders-v2"]
