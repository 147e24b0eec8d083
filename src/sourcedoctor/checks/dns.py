"""Layer 2 — DNS: resolve the host to addresses, naming the resolver that answered.

With ``--resolver IP[:PORT]`` dnspython asks that server directly (A and AAAA at once, CNAME chain
kept). Without it we ask the operating system first (so /etc/hosts and nsswitch count, as they do
for any client on this machine) and use dnspython only to explain a failure precisely.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..codes import make_finding
from ..config.sftp import SftpSettings, parse_resolver
from ..connectors.sftp.state import SftpState
from ..model import Finding
from .base import Check, Context, Outcome

if TYPE_CHECKING:
    import dns.asyncresolver


def address_scope(addr: str) -> str:
    """'public', or why a cloud platform could not reach this address."""
    ip = ipaddress.ip_address(addr)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or ip.is_multicast:
        return "private"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return address_scope(str(ip.ipv4_mapped))
    return "public"


@dataclass
class Resolution:
    addresses: list[str] = field(default_factory=list)
    cnames: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # rdtype -> error kind


async def _query(
    resolver: dns.asyncresolver.Resolver, name: str, rdtype: str, out: Resolution
) -> None:
    import dns.exception
    import dns.rdatatype
    import dns.resolver

    try:
        answer = await resolver.resolve(name, rdtype, search=False)
    except dns.resolver.NXDOMAIN:
        out.errors[rdtype] = "nxdomain"
    except dns.resolver.NoAnswer:
        out.errors[rdtype] = "no_answer"
    except dns.resolver.NoNameservers:
        out.errors[rdtype] = "servfail"
    except dns.exception.Timeout:
        out.errors[rdtype] = "timeout"
    except dns.exception.DNSException as exc:
        out.errors[rdtype] = f"error: {exc}"
    else:
        for rrset in answer.response.answer:
            if rrset.rdtype == dns.rdatatype.CNAME:
                for rd in rrset:
                    target = rd.to_text()
                    if target not in out.cnames:
                        out.cnames.append(target)
        out.addresses += [rd.to_text() for rd in answer]


async def resolve_with_dnspython(
    name: str, nameserver: tuple[str, int] | None, timeout: float
) -> tuple[Resolution, str]:
    """Ask for A and AAAA at once. Returns the resolution and the resolver's description."""
    # dnspython costs ~0.1 s to import; most runs resolve through the system and never need it.
    import dns.asyncresolver

    resolver = dns.asyncresolver.Resolver(configure=nameserver is None)
    if nameserver is not None:
        resolver.nameservers = [nameserver[0]]
        resolver.port = nameserver[1]
    resolver.lifetime = timeout
    resolver.timeout = min(timeout, 3.0)
    described = (
        f"{nameserver[0]}:{nameserver[1]}" if nameserver else ",".join(map(str, resolver.nameservers))
    )
    out = Resolution()
    await asyncio.gather(_query(resolver, name, "A", out), _query(resolver, name, "AAAA", out))
    return out, described or "system"


async def resolve_with_system(name: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        addr = str(info[4][0])
        if addr not in seen:
            seen.append(addr)
    return seen


def _failure(kind: str, host: str, resolver: str, res: Resolution) -> Finding:
    evidence: dict[str, Any] = {"resolver": resolver, "answers": res.errors, "cnames": res.cnames}
    summaries = {
        "nxdomain": f"{host} does not exist (NXDOMAIN from {resolver})",
        "no_answer": f"{host} exists but has no A/AAAA record (at {resolver})",
        "servfail": f"the resolver {resolver} failed to answer for {host} (SERVFAIL/REFUSED)",
        "timeout": f"no answer from the resolver {resolver} for {host} in time",
    }
    return make_finding(f"dns.{kind}", summaries[kind], evidence=evidence, host=host,
                        resolver=resolver.split(",")[0].split(":")[0])


def classify(res: Resolution) -> str:
    """Pick the failure kind that explains an empty resolution best."""
    kinds = set(res.errors.values())
    for kind in ("nxdomain", "servfail", "timeout", "no_answer"):
        if kind in kinds:
            return kind
    return "servfail"


class DnsCheck(Check[SftpSettings, SftpState]):
    """Resolve the host; warn (for cloud targets) about addresses the platform cannot reach."""

    id = "dns.resolve"
    title = "DNS resolution"
    needs = ("config.settings",)
    timeout_steps = 1.5

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        s = ctx.settings
        facts: dict[str, Any] = {}
        if s.is_ip_literal:
            ctx.state.addresses = [s.host]
            facts["ip_literal"] = True
            return Outcome.of(self._scope_findings(ctx, [s.host]), addresses=[s.host], **facts)
        nameserver = parse_resolver(s.resolver) if s.resolver else None
        if nameserver is None:
            try:
                addrs = await asyncio.wait_for(resolve_with_system(s.host, s.port), ctx.step_timeout)
            except (OSError, TimeoutError):
                addrs = []
            if addrs:
                ctx.state.addresses = addrs
                ctx.transcript.add("dns", f"system resolver: {s.host} → {', '.join(addrs)}")
                return Outcome.of(self._scope_findings(ctx, addrs), addresses=addrs,
                                  resolver="system (getaddrinfo)")
        res, described = await resolve_with_dnspython(s.host, nameserver, ctx.step_timeout)
        ctx.transcript.add("dns", f"{described}: {s.host} → {res.addresses or res.errors}")
        if not res.addresses:
            return Outcome.of([_failure(classify(res), s.host, described, res)], resolver=described)
        # IPv4 first: most SFTP servers and platforms still connect over IPv4.
        addrs = sorted(res.addresses, key=lambda a: ":" in a)
        ctx.state.addresses = addrs
        return Outcome.of(self._scope_findings(ctx, addrs), addresses=addrs, resolver=described,
                          cname_chain=res.cnames)

    def _scope_findings(self, ctx: Context[SftpSettings, SftpState], addrs: list[str]) -> list[Finding]:
        scopes = {a: address_scope(a) for a in addrs}
        odd = {a: sc for a, sc in scopes.items() if sc != "public"}
        if not odd or not ctx.target.cloud:
            return []
        listed = ", ".join(f"{a} ({sc})" for a, sc in odd.items())
        what = listed if ctx.settings.is_ip_literal else f"{ctx.settings.host} resolves to {listed}"
        return [make_finding(
            "dns.private_address",
            f"{what}: an address {ctx.target.name} cannot reach from the cloud",
            evidence={"addresses": scopes},
        )]
