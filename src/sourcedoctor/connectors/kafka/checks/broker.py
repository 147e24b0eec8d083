"""Layer 5 — broker: one metadata request to the bootstrap broker, with TLS and SASL as set.

librdkafka makes the connection, the ApiVersions exchange and the SASL handshake; what it saw is
read from its log lines (kept, never printed): the mechanisms the broker offers, an
authentication refusal, a broker that drops the connection once it knows no SASL is coming, or a
port that never answers like Kafka. One connection, one authentication attempt (see
:mod:`..client`).

When no metadata came within :data:`IDENTIFY_AFTER` seconds (or the request failed at once), the
shared identification layer (:mod:`sourcedoctor.checks.identify`) asks the port in its own
protocols: an HTTP, TLS, SSH … service there is named at once (``kafka.wrong_protocol``) and the
metadata wait ends, instead of waiting out the budget for a Kafka answer that cannot come.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import threading
from typing import TYPE_CHECKING, Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..client import MetadataAnswer, fetch_metadata
from ..settings import KafkaSettings
from ..state import KafkaState

if TYPE_CHECKING:
    from ....checks.identify import Identified

_OFFERED = re.compile(r"broker's supported mechanisms: ([A-Z0-9_-][A-Z0-9_, -]*)")
_AUTH_FAILED = ("SASL authentication error", "Authentication failed", "SASL SCRAM", "SASL PLAIN",
                "handshake failed")
#: The connection was up (ApiVersions answered) and the broker dropped it at the first request.
_DROPPED_WHEN_UP = re.compile(r"Disconnected.*in state (UP|AUTH_REQ|APIVERSION_QUERY).*")


#: Seconds a metadata request may take before the port is identified beside it: a broker answers
#: in milliseconds, so a healthy one is rarely probed.
IDENTIFY_AFTER = 0.5
#: Longest identification (it listens, then sends an HTTP HEAD and reads the answer).
IDENTIFY_BUDGET = 2.0
#: What identification may find that proves the port is no Kafka listener.
FOREIGN = frozenset({"ssh", "mysql", "postgresql", "ftp", "smtp", "http", "tls"})


async def identify_port(settings: KafkaSettings, budget: float) -> Identified | None:
    """What answers on the first bootstrap broker's port, asked in its own protocols (None: the
    connection itself failed; the TCP layer has said why)."""
    from ....checks.identify import identify

    try:
        return await identify(settings.host, settings.port, timeout=budget, expect="http")
    except (OSError, TimeoutError):
        return None


def wrong_protocol(settings: KafkaSettings, seen: Identified) -> Finding:
    """The finding for a port where another kind of service answers."""
    s = settings
    return make_finding(
        "kafka.wrong_protocol", f"{s.host}:{s.port}: {seen.name} answers on this port, not a "
        "Kafka broker" + (f" ({seen.detail})" if seen.detail else ""),
        evidence={"host": s.host, "port": s.port, "found": seen.protocol, "banner": seen.banner,
                  "detail": seen.detail, "elapsed_ms": seen.elapsed_ms},
        host=s.host, port=s.port, found=seen.name)


def offered_mechanisms(log: tuple[str, ...]) -> list[str] | None:
    """The SASL mechanisms the broker offered, as librdkafka logged them, or None."""
    for line in log:
        m = _OFFERED.search(line)
        if m:
            return [x.strip() for x in m.group(1).split(",") if x.strip()]
    return None


def _apiversions_answered(log: tuple[str, ...]) -> bool:
    return any("in state UP" in line or "in state AUTH" in line for line in log)


def classify(settings: KafkaSettings, answer: MetadataAnswer, step: float) -> Finding:
    """The finding for a metadata request that got no answer."""
    s = settings
    log = answer.log
    evidence: dict[str, Any] = {"bootstrap_servers": s.bootstrap_servers,
                                "security_protocol": s.security_protocol, "error": answer.error,
                                "client_log": [ln for ln in log if not ln.startswith("STATE")][-12:],
                                "client_states": [ln for ln in log if ln.startswith("STATE")][-4:],
                                "waited_s": round(answer.elapsed_s, 2)}
    where = f"{s.host}:{s.port}"
    if s.sasl_mechanism:
        offered = offered_mechanisms(log)
        if offered is not None:
            evidence["offered"] = offered
            evidence["configured"] = s.sasl_mechanism
            if s.sasl_mechanism not in offered:
                return make_finding(
                    "kafka.sasl_mechanism_not_offered",
                    f"{where} offers SASL {', '.join(offered) or 'no mechanism'}, not "
                    f"{s.sasl_mechanism}", evidence=evidence, offered=", ".join(offered) or "none",
                    configured=s.sasl_mechanism)
        if offered is not None or any(m in line for line in log for m in _AUTH_FAILED):
            return make_finding(
                "kafka.auth_failed", f"{where} refused SASL {s.sasl_mechanism} authentication "
                f"as {s.username}", evidence=evidence, mechanism=s.sasl_mechanism,
                username=s.username or "USER")
    elif _apiversions_answered(log) and any(_DROPPED_WHEN_UP.search(line) for line in log):
        return make_finding(
            "kafka.auth_required", f"{where} answers like Kafka but drops the connection at the "
            "first request: the listener expects SASL authentication", evidence=evidence,
            host=s.host, port=s.port)
    return make_finding(
        "kafka.no_kafka_answer", f"{where} accepted the connection but gave no Kafka answer within "
        f"{step:g} s ({answer.error})", evidence=evidence, host=s.host, port=s.port,
        protocol=s.security_protocol)


class KafkaBrokerCheck(Check[KafkaSettings, KafkaState]):
    """Fetch the cluster's metadata: brokers (as advertised), topics, partitions, leaders."""

    id = "kafka.broker"
    title = "Kafka broker (metadata, SASL)"
    needs = ("tcp.connect",)
    timeout_steps = 1.5  # the client's own deadline is one step; room to report what it saw

    async def run(self, ctx: Context[KafkaSettings, KafkaState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        if st.sock is not None:  # the TCP layer's socket: librdkafka makes its own connection
            with contextlib.suppress(OSError):
                st.sock.close()
            st.sock = None
        stop = threading.Event()
        meta = asyncio.ensure_future(asyncio.wait_for(
            asyncio.to_thread(fetch_metadata, s, ctx.step_timeout, stop), ctx.step_timeout + 2))
        budget = min(ctx.step_timeout / 2, IDENTIFY_BUDGET)
        seen: Identified | None = None
        # Over TLS the TLS layer has already judged what answers on the port.
        if not s.tls and not (await asyncio.wait({meta}, timeout=IDENTIFY_AFTER))[0]:
            seen = await identify_port(s, budget)
            if seen is not None and seen.protocol in FOREIGN:
                stop.set()  # no Kafka answer can come: end librdkafka's wait now
                with contextlib.suppress(Exception):
                    await meta
                ctx.transcript.add("kafka", f"{s.host}:{s.port} → {seen.name}")
                return Outcome.of([wrong_protocol(s, seen)])
        answer = await meta
        ctx.transcript.add("kafka", f"Metadata from {s.host}:{s.port} → "
                                    f"{'ok' if answer.cluster else answer.error}")
        if answer.cluster is None:
            finding = classify(s, answer, ctx.step_timeout)
            if finding.code == "kafka.no_kafka_answer" and not s.tls:
                if seen is None:  # the request failed at once: ask the port what it is now
                    seen = await identify_port(s, budget)
                if seen is not None and seen.protocol in FOREIGN:
                    finding = wrong_protocol(s, seen)
                elif seen is not None:
                    finding = dataclasses.replace(finding, evidence={
                        **finding.evidence, "port_answered": {
                            "found": seen.protocol, "ended": seen.ended, "banner": seen.banner}})
            return Outcome.of([finding])
        st.cluster = c = answer.cluster
        facts: dict[str, Any] = {
            "cluster_id": c.cluster_id, "controller_id": c.controller_id,
            "brokers": [{"id": b.id, "advertised": b.address} for b in c.brokers],
            "topics": len(c.topics), "sasl": s.sasl_mechanism or "none",
            "answered_in_s": round(answer.elapsed_s, 3)}
        if c.partial:
            # The bootstrap broker answered and named the brokers; the next request, sent to
            # those advertised addresses, did not get through: the next layer says why.
            facts["partial"] = "brokers only: the full metadata request got no answer"
            facts["error"] = answer.error
        return Outcome.of(**facts)


class KafkaBrokerOverTlsCheck(KafkaBrokerCheck):
    """The broker layer when the listener speaks TLS: after the shared TLS layer."""

    needs = ("tls.handshake",)
