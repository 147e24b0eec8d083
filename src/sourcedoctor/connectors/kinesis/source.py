"""A Kinesis stream as a RowSource: streams are the relations, records the rows.

Records are read from TRIM_HORIZON (the oldest record the stream keeps) with GetShardIterator and
GetRecords, bounded by the row limit, a few calls per shard and the step timeout. Reading a
stream changes nothing for other consumers (Kinesis has no consumer offsets to commit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...sources.rows import Column, Relation, RelationListing, RowSample, RowSourceError
from ..kafka.records import StreamRecord, records_to_sample
from .client import KinesisAnswer, KinesisClient

POSITION = (Column("shard", "shard id", "string", False),
            Column("sequence", "sequence number", "string", False))
#: Shards read at most, and GetRecords calls per shard (an old stream's TRIM_HORIZON may give
#: empty batches before the first record).
MAX_SHARDS = 16
CALLS_PER_SHARD = 5


@dataclass
class ShardRead:
    """What reading from TRIM_HORIZON got: records, and the first refused request if any."""

    records: list[StreamRecord] = field(default_factory=list)
    failed: KinesisAnswer | None = None
    failed_action: str = ""
    failed_request: str = ""
    calls: int = 0
    timed_out: bool = False
    shards_read: list[str] = field(default_factory=list)


def _millis(value: Any) -> int | None:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return None


async def read_shards(client: KinesisClient, stream: str, shards: list[str], limit: int,
                      timeout: float) -> ShardRead:
    """At most ``limit`` records from TRIM_HORIZON of ``shards``, within ``timeout``."""
    out = ShardRead()
    deadline = time.monotonic() + timeout
    for shard in shards[:MAX_SHARDS]:
        if len(out.records) >= limit:
            break
        if time.monotonic() >= deadline:
            out.timed_out = True
            break
        out.calls += 1
        it = await client.call("get_shard_iterator", StreamName=stream, ShardId=shard,
                               ShardIteratorType="TRIM_HORIZON")
        if not it.ok:
            out.failed, out.failed_action = it, "kinesis:GetShardIterator"
            out.failed_request = f"GetShardIterator {stream}/{shard}"
            return out
        iterator = it.data.get("ShardIterator")
        out.shards_read.append(shard)
        for _ in range(CALLS_PER_SHARD):
            if not iterator or len(out.records) >= limit or time.monotonic() >= deadline:
                break
            out.calls += 1
            got = await client.call("get_records", ShardIterator=iterator,
                                    Limit=limit - len(out.records))
            if not got.ok:
                out.failed, out.failed_action = got, "kinesis:GetRecords"
                out.failed_request = f"GetRecords {stream}/{shard}"
                return out
            for rec in got.data.get("Records", []):
                key = rec.get("PartitionKey")
                out.records.append(StreamRecord(
                    {"shard": shard, "sequence": rec.get("SequenceNumber")},
                    _millis(rec.get("ApproximateArrivalTimestamp")),
                    key.encode() if isinstance(key, str) else None, rec.get("Data")))
            if got.data.get("Records") or not got.data.get("MillisBehindLatest"):
                break  # a batch came, or the iterator is at the tip: nothing more in this shard
            iterator = got.data.get("NextShardIterator")
    return out


class KinesisRowSource:
    """The stream the run found (and, when ListStreams is allowed, the others); without a
    stream (``kinesis://?region=…``) the streams ListStreams gives."""

    scheme = "kinesis"
    relation_hint = "the stream in the URL (kinesis://STREAM?region=REGION)"

    def __init__(self, client: KinesisClient, stream: str | None, shards: list[str],
                 timeout: float) -> None:
        self.client = client
        self.stream = stream
        self.shards = shards
        self.timeout = timeout

    async def relations(self, parent: str | None = None, *, limit: int = 1_000) -> RelationListing:
        names = [self.stream] if self.stream else []
        listed = await self.client.call("list_streams", Limit=min(limit, 100))
        if listed.ok:
            names = sorted(set(names) | set(listed.data.get("StreamNames", [])))
        elif not self.stream:  # nothing else to offer: say why the listing is empty
            kind = "permission_denied" if "AccessDenied" in listed.code else "io"
            raise RowSourceError(kind, "ListStreams", f"{listed.code}: {listed.message[:300]}")
        kept = tuple(Relation(n, "stream") for n in names[:limit])
        return RelationListing(None, kept, max(0, len(names) - limit))

    async def sample(self, relation: str, *, limit: int) -> RowSample:
        shards = self.shards
        if relation != self.stream:
            described = await self.client.call("describe_stream", StreamName=relation)
            if not described.ok:
                kind = ("not_found" if described.code == "ResourceNotFoundException" else
                        "permission_denied" if "AccessDenied" in described.code else "io")
                raise RowSourceError(kind, relation, described.message[:500])
            shards = [s["ShardId"] for s in described.data["StreamDescription"].get("Shards", [])]
        try:
            read = await read_shards(self.client, relation, shards, limit, self.timeout)
        except TimeoutError:
            raise RowSourceError("timeout", relation, f"no answer within {self.timeout:g} s") from None
        if read.failed is not None and not read.records:
            kind = "permission_denied" if "AccessDenied" in read.failed.code else "io"
            raise RowSourceError(kind, relation, f"{read.failed_request}: {read.failed.code}")
        notes = []
        if not read.records:
            notes.append("the stream holds no records (from TRIM_HORIZON)")
        if read.timed_out:
            notes.append(f"reading stopped at the time bound ({self.timeout:g} s)")
        return records_to_sample(relation, read.records, POSITION, key_name="partition_key",
                                 notes=notes)
