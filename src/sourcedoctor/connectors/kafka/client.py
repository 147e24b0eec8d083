"""librdkafka (confluent-kafka) for one run: quiet, bounded, read-only.

confluent-kafka is imported here only, inside functions, and only when a run reaches the broker
layer. Every call blocks, so callers run it in a worker thread with the step timeout around it,
and each call carries its own deadline as well (``list_topics(timeout=…)``, ``poll`` until a
deadline), so the thread ends soon after a timeout too.

What librdkafka would do on its own and must not here:

- **print**: it logs to stderr; a :class:`LogTrap` takes its log lines instead (bounded) and the
  layers read them as evidence (the broker's offered SASL mechanisms are only said there);
- **retry storms**: after a failure it reconnects every 100 ms; the backoff is set to the whole
  step budget, so one run makes one connection (and one authentication attempt) per broker;
- **write**: metadata requests may create a missing topic on brokers that auto-create
  (``allow.auto.create.topics`` off), and a consumer commits offsets (``enable.auto.commit`` and
  ``enable.auto.offset.store`` off, and nothing ever calls ``commit``).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .settings import KafkaSettings

#: Log lines kept per client (librdkafka can log a line per reconnect).
LOG_LINES = 200
LOG_LINE_CAP = 500
#: Most bytes one fetch may bring (a record bigger than this still arrives whole: Kafka always
#: returns at least one record, so memory stays ~ one record plus this).
FETCH_BYTES = 1 << 20
#: First reconnect delay. librdkafka also waits half of it (at most 1 s) before connecting to a
#: broker it just learned of: a large value would delay every run by a second.
RECONNECT_MS = 200
#: How often the metadata wait looks at the client's log for a final answer (an authentication
#: refusal ends the run's only attempt before librdkafka's next reconnect).
SLICE_S = 0.1
#: Prefetch queue cap per consumer, in KiB (librdkafka's default is 64 MiB).
QUEUE_KBYTES = 4096


_BROKER_LINE = re.compile(r"Broker #\d+/\d+: (\S+):(\d+) NodeId (-?\d+)")
_CLUSTER_LINE = re.compile(r"ClusterId: ([^,]*), ControllerId: (-?\d+)")
#: Debug contexts whose lines the layers read (metadata: the advertised brokers; broker and
#: security: connection and SASL failures). Kept lines are bounded; nothing is printed.
DEBUG = "metadata,broker,security"
#: Debug facilities kept besides every line of level info and above (Python logging levels:
#: confluent-kafka maps syslog 7 to DEBUG, 6 to INFO, 3 to ERROR).
_CODE_SUFFIX = re.compile(r" \(_[A-Z_]+\)$")
_KEPT = frozenset({"FAIL", "ERROR", "SASL", "SASLMECHS", "SASLAUTH", "AUTH", "STATE"})


class LogTrap:
    """A ``logger`` for librdkafka that keeps its lines (bounded) instead of printing them, and
    what the bootstrap broker's metadata answers named (brokers, cluster id) as they arrive —
    known even when the full metadata request never gets an answer."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque(maxlen=LOG_LINES)
        self.brokers: dict[int, tuple[str, int]] = {}
        self.cluster_id: str | None = None
        self.controller_id = -1
        self._lock = threading.Lock()

    def log(self, level: int, msg: str, *args: Any) -> None:
        text = ((msg % args) if args else str(msg))[:LOG_LINE_CAP]
        with self._lock:
            m = _BROKER_LINE.search(text)
            if m and len(self.brokers) < 64:
                self.brokers[int(m.group(3))] = (m.group(1), int(m.group(2)))
                return
            c = _CLUSTER_LINE.search(text)
            if c:
                self.cluster_id, self.controller_id = c.group(1) or None, int(c.group(2))
                return
            facility = text.split(" ", 1)[0]
            if level >= logging.INFO or facility in _KEPT or "mechanism" in text:  # no chatter
                # librdkafka logs a failure twice with debug on (once with its error code
                # appended): keep it once, so the lines count events.
                plain = _CODE_SUFFIX.sub("", text)
                if not self.lines or _CODE_SUFFIX.sub("", self.lines[-1]) != plain:
                    self.lines.append(plain)

    def snapshot(self) -> list[str]:
        with self._lock:
            return list(self.lines)

    def all_brokers_failed(self) -> bool:
        """Every broker the metadata named has a failed connection or name lookup logged."""
        lines = self.snapshot()
        with self._lock:
            brokers = dict(self.brokers)
        if not brokers:
            return False
        return all(any(f"{h}:{p}/{i}:" in line and ("failed" in line or "Failed" in line)
                       for line in lines) for i, (h, p) in brokers.items())


def base_config(settings: KafkaSettings, timeout: float, trap: LogTrap) -> dict[str, Any]:
    """The client configuration every handle of the run shares."""
    s = settings
    ms = max(1000, int(timeout * 1000))
    # librdkafka's own request timeout ends a little before the step's deadline, so a silent
    # peer is logged as a timed-out request (evidence) before the wait ends.
    request_ms = max(500, int(timeout * 800))
    conf: dict[str, Any] = {
        "bootstrap.servers": s.bootstrap_servers,
        "client.id": "sourcedoctor",
        "security.protocol": s.security_protocol,
        "socket.timeout.ms": request_ms,
        "socket.connection.setup.timeout.ms": max(1000, request_ms),  # librdkafka minimum
        "reconnect.backoff.ms": RECONNECT_MS,
        "reconnect.backoff.max.ms": ms,
        "allow.auto.create.topics": False,
        "log_level": 7,
        "debug": DEBUG,
        "logger": trap,
        "log.connection.close": True,
    }
    if s.tls and s.ca_bundle:
        conf["ssl.ca.location"] = s.ca_bundle
    if s.sasl_mechanism:
        conf["sasl.mechanism"] = s.sasl_mechanism
        conf["sasl.username"] = s.username or ""
        conf["sasl.password"] = s.password.get_secret_value() if s.password else ""
    return conf


@dataclass(frozen=True)
class BrokerInfo:
    id: int
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class PartitionInfo:
    id: int
    leader: int
    replicas: tuple[int, ...]
    isrs: tuple[int, ...]
    error: str | None


@dataclass(frozen=True)
class TopicInfo:
    name: str
    error: str | None
    #: librdkafka's error name (UNKNOWN_TOPIC_OR_PART, TOPIC_AUTHORIZATION_FAILED…) or None.
    error_code: str | None
    partitions: tuple[PartitionInfo, ...]


@dataclass(frozen=True)
class ClusterInfo:
    cluster_id: str | None
    controller_id: int
    brokers: tuple[BrokerInfo, ...]
    topics: dict[str, TopicInfo] = field(default_factory=dict)
    #: Only the brokers are known (from the bootstrap broker's first answer): the full metadata
    #: request, sent to an advertised address, got no answer.
    partial: bool = False


@dataclass(frozen=True)
class MetadataAnswer:
    """What asking for metadata got: the cluster, or the error and librdkafka's log lines."""

    cluster: ClusterInfo | None
    error: str | None
    log: tuple[str, ...]
    elapsed_s: float


def _error_name(err: Any) -> tuple[str | None, str | None]:
    if err is None:
        return None, None
    return str(err.str()), str(err.name())


def _cluster(md: Any) -> ClusterInfo:
    topics: dict[str, TopicInfo] = {}
    for name, t in md.topics.items():
        text, code = _error_name(t.error)
        parts = tuple(sorted(
            (PartitionInfo(p.id, p.leader, tuple(p.replicas), tuple(p.isrs), _error_name(p.error)[1])
             for p in t.partitions.values()), key=lambda p: p.id))
        topics[name] = TopicInfo(name, text, code, parts)
    brokers = tuple(sorted((BrokerInfo(b.id, str(b.host), int(b.port)) for b in md.brokers.values()),
                           key=lambda b: b.id))
    return ClusterInfo(md.cluster_id, md.controller_id, brokers, topics)


#: librdkafka log phrases that end the wait at once: the answer will not change by waiting.
_FINAL = ("SASL authentication", "mechanism handshake failed", "Authentication failed",
          "/bootstrap: Disconnected", "SSL handshake failed")


def fetch_metadata(settings: KafkaSettings, timeout: float,
                   stop: threading.Event | None = None) -> MetadataAnswer:
    """Ask the bootstrap broker(s) for the cluster's metadata (all topics), once.

    Asks in short slices so an authentication failure ends the wait at once (librdkafka would
    otherwise try again within the budget). When no full answer comes but the bootstrap broker's
    first answer named the brokers (librdkafka then sends every request to those advertised
    addresses), the answer is ``partial``: the brokers as advertised, no topics — what the
    advertised-listeners layer needs to name the address that cannot be reached. Setting
    ``stop`` ends the wait within one slice (the caller already knows no Kafka answers).
    """
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    trap = LogTrap()
    t0 = time.monotonic()
    deadline = t0 + timeout
    admin = AdminClient(base_config(settings, timeout, trap))
    error: str | None = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (stop is not None and stop.is_set()):
            break
        try:
            md = admin.list_topics(timeout=min(SLICE_S, remaining))
        except KafkaException as exc:
            error = str(exc.args[0].str()) if exc.args else str(exc)
            admin.poll(0)  # log lines reach the logger only when the handle is polled
            if any(marker in line for line in trap.snapshot() for marker in _FINAL):
                break
            if trap.all_brokers_failed():
                break
            continue
        admin.poll(0)
        return MetadataAnswer(_cluster(md), None, tuple(trap.snapshot()), time.monotonic() - t0)
    admin.poll(0)
    cluster = None
    if trap.brokers and not any(m in line for line in trap.snapshot() for m in _FINAL):
        cluster = ClusterInfo(trap.cluster_id, trap.controller_id, tuple(
            BrokerInfo(i, h, p) for i, (h, p) in sorted(trap.brokers.items())), {}, partial=True)
    return MetadataAnswer(cluster, error or "no answer", tuple(trap.snapshot()),
                          time.monotonic() - t0)


def describe_topic(settings: KafkaSettings, topic: str, timeout: float) -> TopicInfo | None:
    """The broker's answer for ``topic`` asked by name (auto-creation off: since Kafka 0.11 the
    request says so); None when no answer came within ``timeout``.

    Kafka leaves a topic the user may not Describe out of the all-topics answer; by name it says
    TOPIC_AUTHORIZATION_FAILED (for existing and missing topics alike) or UNKNOWN_TOPIC_OR_PART.
    """
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(base_config(settings, timeout, LogTrap()))
    try:
        md = admin.list_topics(topic=topic, timeout=timeout)
    except KafkaException:
        return None
    finally:
        admin.poll(0)
    return _cluster(md).topics.get(topic)


@dataclass(frozen=True)
class GroupState:
    """A consumer group as the broker describes it (never joined)."""

    group: str
    state: str
    members: tuple[dict[str, Any], ...]
    #: Committed offsets: "topic/partition" → offset.
    offsets: dict[str, int]
    #: How the members were learned ("ConsumerGroupDescribe", "DescribeGroups (classic)").
    described_by: str


def _describe(conf: dict[str, Any], group: str, timeout: float) -> Any:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(conf)
    return admin.describe_consumer_groups([group], request_timeout=timeout)[group].result(timeout=timeout)


def _members(desc: Any) -> tuple[dict[str, Any], ...]:
    out = []
    for m in desc.members[:50]:
        parts = [f"{tp.topic}/{tp.partition}" for tp in (m.assignment.topic_partitions
                                                          if m.assignment else [])][:50]
        out.append({"member_id": m.member_id, "client_id": m.client_id, "host": m.host,
                    "assigned": parts})
    return tuple(out)


def _inconsistent(desc: Any) -> bool:
    """A description that contradicts itself: a group that is not empty (stable, rebalancing, or
    a state the client cannot read) yet lists no members. Tansu 0.6 answers ConsumerGroupDescribe
    this way for a classic group with members (and puts a member id in the assignor field)."""
    return not desc.members and getattr(desc.state, "name", "") not in ("EMPTY", "DEAD")


def describe_group(settings: KafkaSettings, group: str, timeout: float) -> GroupState:
    """Members and committed offsets of ``group``; read-only (no JoinGroup, no commit)."""
    from confluent_kafka import ConsumerGroupTopicPartitions
    from confluent_kafka.admin import AdminClient

    trap = LogTrap()
    conf = base_config(settings, timeout, trap)
    desc = _describe(conf, group, timeout)
    described_by = "ConsumerGroupDescribe / DescribeGroups"
    if _inconsistent(desc) and not settings.sasl_mechanism:
        # Ask again with the classic DescribeGroups request (librdkafka picks it when told the
        # broker is old). Not over SASL: the old-broker mode would use pre-0.10 SASL framing.
        desc = _describe({**conf, "api.version.request": False, "broker.version.fallback": "0.9.0"},
                         group, timeout)
        described_by = "DescribeGroups (classic), after an inconsistent ConsumerGroupDescribe"
    admin = AdminClient(conf)
    listed = admin.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions(group)], request_timeout=timeout)[group].result(timeout=timeout)
    offsets = {f"{tp.topic}/{tp.partition}": int(tp.offset) for tp in listed.topic_partitions[:1000]
               if tp.offset >= 0}
    state = getattr(desc.state, "name", str(desc.state))
    return GroupState(group, state, _members(desc), offsets, described_by)


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True)
class ReadResult:
    records: tuple[Record, ...]
    #: "partition" → (low, high) watermark offsets.
    watermarks: dict[int, tuple[int, int]]
    timed_out: bool
    errors: tuple[str, ...]
    #: The reading consumer's own group id (it never joins it and commits nothing to it).
    group_id: str = ""


def probe_group() -> str:
    """The group id of the reading consumer: a fresh one no flow uses (it never joins or commits)."""
    return f"sourcedoctor-probe-{uuid.uuid4().hex[:12]}"


def read_records(settings: KafkaSettings, topic: str, partitions: list[int], limit: int,
                 timeout: float) -> ReadResult:
    """At most ``limit`` records of ``topic`` from the earliest offset of each partition, within
    ``timeout``. Partitions are assigned directly (no group membership) and nothing is committed."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    deadline = time.monotonic() + timeout
    trap = LogTrap()
    group_id = probe_group()
    conf = {**base_config(settings, timeout, trap), "group.id": group_id,
            "enable.auto.commit": False, "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest", "enable.partition.eof": True,
            "fetch.max.bytes": FETCH_BYTES, "max.partition.fetch.bytes": FETCH_BYTES,
            "queued.max.messages.kbytes": QUEUE_KBYTES, "check.crcs": True,
            "fetch.wait.max.ms": 100}  # the end of a partition shows within 0.1 s
    consumer = Consumer(conf)
    records: list[Record] = []
    errors: list[str] = []
    marks: dict[int, tuple[int, int]] = {}
    timed_out = False
    try:
        for p in partitions[:256]:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=left)
            marks[p] = (int(low), int(high))
        wanted = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in marks]
        if wanted:
            consumer.assign(wanted)
            # Watermarks are a hint (some brokers report them late): the end of each partition
            # is known from the client's end-of-partition events, not from the high watermark.
            open_parts = {tp.partition for tp in wanted}
            while len(records) < limit and open_parts:
                left = deadline - time.monotonic()
                if left <= 0:
                    timed_out = True
                    break
                msg = consumer.poll(min(0.2, left))
                if msg is None:
                    continue
                err = msg.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        open_parts.discard(msg.partition())
                    elif len(errors) < 20:
                        errors.append(str(err.str()))
                    continue
                ts_type, ts = msg.timestamp()
                records.append(Record(msg.partition() or 0, msg.offset() or 0,
                                      ts if ts_type else None, msg.key(), msg.value()))
    finally:
        # close() would commit with enable.auto.commit on; it is off, so close only leaves.
        consumer.close()
    records.sort(key=lambda r: (r.timestamp_ms or 0, r.partition, r.offset))
    return ReadResult(tuple(records[:limit]), marks, timed_out, tuple(errors), group_id)
