"""The Kafka topic as a RowSource: topics are the relations, records the rows.

Every sample is a fresh read from the earliest offsets through :func:`.client.read_records`
(partitions assigned directly, no group membership, nothing committed), bounded by ``limit`` and
the step timeout.
"""

from __future__ import annotations

import asyncio

from ...sources.rows import Column, Relation, RelationListing, RowSample, RowSourceError
from .client import ClusterInfo, read_records
from .records import StreamRecord, records_to_sample
from .settings import KafkaSettings

POSITION = (Column("partition", "int32", "integer", False), Column("offset", "int64", "integer", False))


class KafkaRowSource:
    """Topics of one cluster (as the metadata layer saw them) and their records."""

    scheme = "kafka"
    relation_hint = "the topic in the URL (kafka://BROKER/TOPIC), or --topic TOPIC"

    def __init__(self, settings: KafkaSettings, cluster: ClusterInfo, timeout: float) -> None:
        self.settings = settings
        self.cluster = cluster
        self.timeout = timeout

    async def relations(self, parent: str | None = None, *, limit: int = 1_000) -> RelationListing:
        names = sorted(n for n in self.cluster.topics if not n.startswith("__"))  # internal topics
        kept = tuple(Relation(n, "topic", parent=self.cluster.cluster_id) for n in names[:limit])
        return RelationListing(self.cluster.cluster_id, kept, max(0, len(names) - limit))

    async def sample(self, relation: str, *, limit: int) -> RowSample:
        topic = self.cluster.topics.get(relation)
        if topic is None or topic.error_code == "UNKNOWN_TOPIC_OR_PART":
            raise RowSourceError("not_found", relation, "no such topic in the cluster's metadata")
        if topic.error:
            kind = "permission_denied" if "AUTHORIZATION" in (topic.error_code or "") else "io"
            raise RowSourceError(kind, relation, topic.error)
        parts = [p.id for p in topic.partitions]
        try:
            read = await asyncio.wait_for(asyncio.to_thread(
                read_records, self.settings, relation, parts, limit, self.timeout), self.timeout + 1)
        except TimeoutError:
            raise RowSourceError("timeout", relation, f"no records within {self.timeout:g} s") from None
        records = [StreamRecord({"partition": r.partition, "offset": r.offset}, r.timestamp_ms,
                                r.key, r.value) for r in read.records]
        notes = []
        if read.timed_out:
            notes.append(f"reading stopped at the time bound ({self.timeout:g} s)")
        if not records:
            notes.append("the topic holds no records (from the earliest offset)")
        return records_to_sample(relation, records, POSITION, notes=notes)
