"""Layer 2 — DNS: resolve the host to addresses, naming the resolver that answered.

A CNAME loop or an over-long CNAME chain is named as such (``dns.cname_loop``,
``dns.cname_chain_too_long``) from the chain the resolver answered with, not blamed on the resolver.

With ``--resolver IP[:PORT]`` dnspython asks that server directly (A and AAAA at once, CNAME chain
kept). Without it we ask the operating system first (so /etc/hosts and nsswitch count, as they do
for any client on this machine) and use dnspython only to explain a failure precisely.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..codes import make_finding
from ..config.urls import parse_resolver
from ..model import Finding
from ..sentence import say
from .base import Check, Context, Outcome
from .network import NetworkSettings, NetworkState

if TYPE_CHECKING:
    import dns.asyncresolver
    import dns.exception
    import dns.message

T = TypeVar("T")


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
    #: The CNAME chain as answered when it loops or is too long (query name first).
    chain: list[str] = field(default_factory=list)


def follow_cnames(response: dns.message.Message, name: str) -> tuple[list[str], bool]:
    """The CNAME chain in ``response``'s answer from ``name``, and whether it comes back to a name
    already on it (a loop). Bounded by the answer's size, whatever the server sent."""
    import dns.rdatatype

    links: dict[str, str] = {}
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.CNAME:
            for rd in rrset:
                links.setdefault(rrset.name.to_text().lower(), rd.target.to_text().lower())
    chain = [name.lower() if name.endswith(".") else name.lower() + "."]
    while chain[-1] in links:
        target = links[chain[-1]]
        chain.append(target)
        if target in chain[:-1]:
            return chain, True
    return chain, False


def _chain_failure(exc: dns.exception.DNSException, name: str, out: Resolution) -> str | None:
    """``cname_loop``/``cname_chain_too_long`` when the resolver's answer was a runaway chain
    (dnspython gives up after 16 links and reports it as every nameserver failing)."""
    import dns.message

    for entry in exc.kwargs.get("errors", ()):
        error, response = entry[3], entry[4]
        if isinstance(error, dns.message.ChainTooLong) and response is not None:
            chain, loop = follow_cnames(response, name)
            out.chain = chain
            return "cname_loop" if loop else "cname_chain_too_long"
    return None


async def _query(
    resolver: dns.asyncresolver.Resolver, name: str, rdtype: str, out: Resolution
) -> None:
    import dns.exception
    import dns.name
    import dns.rdatatype
    import dns.resolver

    try:
        answer = await resolver.resolve(name, rdtype, search=False)
    except dns.resolver.NXDOMAIN:
        out.errors[rdtype] = "nxdomain"
    except dns.resolver.NoAnswer:
        out.errors[rdtype] = "no_answer"
    except dns.resolver.NoNameservers as exc:
        out.errors[rdtype] = _chain_failure(exc, name, out) or "servfail"
    except (dns.name.LabelTooLong, dns.name.NameTooLong, dns.name.EmptyLabel):
        # The settings validation refuses such names; kept so a bad name never blames the resolver.
        out.errors[rdtype] = "bad_name"
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
    """The system's answer (hosts file, then DNS) for ``name``, addresses in its order."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        if not name.endswith(".") or name == ".":
            raise
        # A trailing dot only says "no search domains"; glibc's hosts-file lookup does not strip
        # it, so ``localhost.`` misses /etc/hosts. Asked without the dot, the name is the same.
        infos = await loop.getaddrinfo(name[:-1], port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        addr = str(info[4][0])
        if addr not in seen:
            seen.append(addr)
    return seen


def _failure(kind: str, host: str, resolver: str, res: Resolution) -> Finding:
    evidence: dict[str, Any] = {"resolver": resolver, "answers": res.errors, "cnames": res.cnames}
    if kind == "bad_name":
        return make_finding("config.invalid", say("host: {host} is not a valid DNS name", host=host),
                            evidence={"field": "host"}, field="host")
    if res.chain:
        evidence["chain"] = res.chain
    # Sentences, so report writers pseudonymise the host and resolver by name (--redact-hosts).
    summaries = {
        "cname_loop": say("the CNAME records of {host} form a loop ({loop}; answered by {resolver})",
                          host=host, loop=" → ".join(res.chain[-2:]), resolver=resolver),
        "cname_chain_too_long": say("the CNAME chain of {host} is too long ({links} links and more; "
                                    "answered by {resolver})", host=host,
                                    links=len(res.chain) - 1, resolver=resolver),
        "nxdomain": say("{host} does not exist (NXDOMAIN from {resolver})", host=host,
                        resolver=resolver),
        "no_answer": say("{host} exists but has no A/AAAA record (at {resolver})", host=host,
                         resolver=resolver),
        "servfail": say("the resolver {resolver} failed to answer for {host} (SERVFAIL/REFUSED)",
                        host=host, resolver=resolver),
        "timeout": say("no answer from the resolver {resolver} for {host} in time", host=host,
                       resolver=resolver),
    }
    return make_finding(f"dns.{kind}", summaries[kind], evidence=evidence, host=host,
                        resolver=resolver.split(",")[0].split(":")[0],
                        loop_at=res.chain[-2] if len(res.chain) > 1 else host)


def classify(res: Resolution) -> str:
    """Pick the failure kind that explains an empty resolution best."""
    kinds = set(res.errors.values())
    # A runaway chain or a bad name is more precise than the SERVFAIL it also looks like.
    for kind in ("bad_name", "cname_loop", "cname_chain_too_long", "nxdomain", "servfail", "timeout",
                 "no_answer"):
        if kind in kinds:
            return kind
    return "servfail"


class DnsCache:
    """DNS answers shared by the runs of one fleet sweep: each question is asked once, and runs
    that ask while it is in flight wait for the same answer. Failures are cached too (a sweep
    reports the same NXDOMAIN for every connection to that name instead of asking again)."""

    def __init__(self) -> None:
        self._answers: dict[tuple[Any, ...], asyncio.Future[Any]] = {}
        self.questions = 0

    async def get(self, key: tuple[Any, ...], ask: Callable[[], Awaitable[T]]) -> T:
        future = self._answers.get(key)
        if future is None:
            self.questions += 1
            future = asyncio.ensure_future(ask())
            self._answers[key] = future
        try:
            return cast(T, await asyncio.shield(future))
        except (OSError, TimeoutError):
            self._answers.pop(key, None)  # a timeout or socket error may be this run's, not the name's
            raise


async def _cached(ctx: Context[NetworkSettings, NetworkState], key: tuple[Any, ...],
                  ask: Callable[[], Awaitable[T]]) -> T:
    cache = ctx.dns_cache
    if isinstance(cache, DnsCache):
        return await cache.get(key, ask)
    return await ask()


class DnsCheck(Check[NetworkSettings, NetworkState]):
    """Resolve the host; warn (for cloud targets) about addresses the platform cannot reach."""

    id = "dns.resolve"
    title = "DNS resolution"
    needs = ("config.settings",)
    timeout_steps = 1.5

    async def run(self, ctx: Context[NetworkSettings, NetworkState]) -> Outcome:
        s = ctx.settings
        facts: dict[str, Any] = {}
        if s.is_ip_literal:
            ctx.state.addresses = [s.host]
            facts["ip_literal"] = True
            return Outcome.of(self._scope_findings(ctx, [s.host]), addresses=[s.host], **facts)
        nameserver = parse_resolver(s.resolver) if s.resolver else None
        if nameserver is None:
            try:
                addrs = await asyncio.wait_for(
                    _cached(ctx, ("system", s.host, s.port), lambda: resolve_with_system(s.host, s.port)),
                    ctx.step_timeout)
            except (OSError, TimeoutError, UnicodeError):  # UnicodeError: a label IDNA refuses
                addrs = []
            if addrs:
                ctx.state.addresses = addrs
                ctx.transcript.add("dns", say("system resolver: {host} → {addresses}",
                                              host=s.host, addresses=", ".join(addrs)))
                return Outcome.of(self._scope_findings(ctx, addrs), addresses=addrs,
                                  resolver="system (getaddrinfo)")
        res, described = await _cached(
            ctx, ("dns", s.host, nameserver),
            lambda: resolve_with_dnspython(s.host, nameserver, ctx.step_timeout))
        ctx.transcript.add("dns", say("{resolver}: {host} → {answer}", resolver=described,
                                      host=s.host, answer=str(res.addresses or res.errors)))
        if not res.addresses:
            return Outcome.of([_failure(classify(res), s.host, described, res)], resolver=described)
        # IPv4 first: most SFTP servers and platforms still connect over IPv4.
        addrs = sorted(res.addresses, key=lambda a: ":" in a)
        ctx.state.addresses = addrs
        return Outcome.of(self._scope_findings(ctx, addrs), addresses=addrs, resolver=described,
                          cname_chain=res.cnames)

    def _scope_findings(self, ctx: Context[NetworkSettings, NetworkState], addrs: list[str]) -> list[Finding]:
        scopes = {a: address_scope(a) for a in addrs}
        odd = {a: sc for a, sc in scopes.items() if sc != "public"}
        if not odd or not ctx.target.cloud:
            return []
        listed = ", ".join(f"{a} ({sc})" for a, sc in odd.items())
        template = "{listed}" if ctx.settings.is_ip_literal else "{host} resolves to {listed}"
        return [make_finding(
            "dns.private_address",
            say(template + ": an address {target} cannot reach from the cloud",
                host=ctx.settings.host, listed=listed, target=ctx.target.name),
            evidence={"addresses": scopes},
        )]
