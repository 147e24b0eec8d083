"""Layer 6 — advertised listeners: can this machine reach every broker the cluster names?

The bootstrap broker answers metadata with the addresses brokers *advertise*; every later request
(partition leaders, the group coordinator) goes to those, not to the bootstrap address. A broker
that advertises an internal name (``kafka-1.internal:9092``), a container address or a port
behind NAT is the most common Kafka failure: the first connection works, everything after it
times out. Each advertised address is resolved and connected to (TCP only, then closed).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.dns import address_scope, resolve_with_dnspython, resolve_with_system
from ....checks.tcp import connect_one
from ....codes import make_finding
from ....config.urls import parse_resolver
from ....model import Finding, Severity
from ..client import BrokerInfo
from ..settings import KafkaSettings
from ..state import KafkaState

#: Brokers probed at most (a big cluster's first ones tell the story).
MAX_BROKERS = 16


async def _resolve(host: str, port: int, resolver: str | None, timeout: float) -> tuple[list[str], str]:
    if resolver is not None:
        res, _ = await resolve_with_dnspython(host, parse_resolver(resolver), timeout)
        return res.addresses, ",".join(sorted(set(res.errors.values()))) or "no address"
    try:
        return await asyncio.wait_for(resolve_with_system(host, port), timeout), ""
    except (OSError, UnicodeError) as exc:
        return [], f"{type(exc).__name__}: {exc}"
    except TimeoutError:
        return [], "timeout"


async def probe(broker: BrokerInfo, resolver: str | None, timeout: float) -> dict[str, Any]:
    """Resolve and connect to one advertised address; what happened."""
    out: dict[str, Any] = {"broker": broker.id, "advertised": broker.address}
    addrs, why = await _resolve(broker.host, broker.port, resolver, timeout)
    if not addrs:
        out.update(reachable=False, dns=why or "no address")
        return out
    out["addresses"] = addrs[:4]
    sock, result = await connect_one(addrs[0], broker.port, timeout)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.close()
    out.update(reachable=sock is not None, tcp=result["result"])
    return out


class AdvertisedListenersCheck(Check[KafkaSettings, KafkaState]):
    """Resolve and connect to each broker's advertised host:port."""

    id = "kafka.advertised"
    title = "Advertised listeners"
    needs = ("kafka.broker",)
    timeout_steps = 2.0

    async def run(self, ctx: Context[KafkaSettings, KafkaState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.cluster is not None
        brokers = st.cluster.brokers[:MAX_BROKERS]
        results = await asyncio.gather(*(probe(b, s.resolver, ctx.step_timeout) for b in brokers))
        for r in results:
            ctx.transcript.add("kafka", f"advertised {r['advertised']} → "
                                        f"{'reachable' if r['reachable'] else r.get('dns') or r.get('tcp')}")
        facts: dict[str, Any] = {"bootstrap": s.bootstrap_servers, "advertised": results}
        bad = [r for r in results if not r["reachable"]]
        if not bad and st.cluster.partial:
            return Outcome.of([make_finding(
                "kafka.no_kafka_answer",
                f"the advertised brokers ({', '.join(r['advertised'] for r in results)}) accept "
                "connections but did not answer the metadata request",
                evidence=facts, host=brokers[0].host, port=brokers[0].port,
                protocol=s.security_protocol)], **facts)
        if not bad:
            return Outcome.of(self._private(ctx, results), **facts)
        first = bad[0]
        why = (f"does not resolve ({first['dns']})" if "dns" in first
               else f"does not accept connections ({first['tcp']})")
        names = ", ".join(r["advertised"] for r in bad)
        return Outcome.of([make_finding(
            "kafka.advertised_listener_unreachable",
            f"the cluster advertises {names} (reached through {s.host}:{s.port}), and "
            f"{first['advertised']} {why}: every request after the first goes there",
            evidence={**facts, "unreachable": bad}, advertised=first["advertised"],
            bootstrap=f"{s.host}:{s.port}", broker_id=first["broker"])], **facts)

    @staticmethod
    def _private(ctx: Context[KafkaSettings, KafkaState], results: list[dict[str, Any]]) -> list[Finding]:
        """Under a cloud target: brokers reachable from here only through private addresses.

        A failure when the bootstrap address is public (the platform reaches the bootstrap broker,
        then nothing else); a warning when it is private too (the DNS layer already said so, and
        a private-connectivity setup may reach both)."""
        if not ctx.target.cloud:
            return []
        private = [r for r in results
                   if r.get("addresses") and all(address_scope(a) != "public" for a in r["addresses"])]
        if not private:
            return []
        bootstrap_public = any(address_scope(a) == "public" for a in ctx.state.addresses)
        first = private[0]
        finding = make_finding(
            "kafka.advertised_listener_private",
            f"broker {first['broker']} advertises {first['advertised']}, a private address "
            f"({', '.join(first['addresses'])}) {ctx.target.name} cannot reach from the cloud",
            evidence={"private": private, "bootstrap_addresses": ctx.state.addresses,
                      "bootstrap_public": bootstrap_public},
            severity=None if bootstrap_public else Severity.WARN,
            advertised=first["advertised"], broker_id=first["broker"])
        return [finding]
