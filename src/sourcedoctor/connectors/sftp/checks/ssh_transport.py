"""Layer 5 — transport: what the server offers, what gets negotiated, and what is too old.

Our own client still connects to SHA-1-only servers, so "could we connect" is not the test: the
server's offered lists are judged against what current OpenSSH clients and the platforms accept.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Sequence
from typing import Any

import asyncssh

from ....checks.base import Check, Context, Outcome
from ....checks.tcp import connect_one
from ....codes import make_finding
from ....model import Finding
from ..greeting import exchange_identification
from ..hostkeys import HostKeyPolicy, HostKeySeen, key_family
from ..session import Credentials, SshSession
from ..settings import SftpSettings
from ..state import SftpState
from ..wire import KexInit, find_identification

#: Key exchange methods that current OpenSSH refuses by default (SHA-1 or 1024-bit groups).
LEGACY_KEX = frozenset({
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
    "gss-group1-sha1-toWM5Slw5Ew8Mqkay+al2g==",
    "gss-group14-sha1-toWM5Slw5Ew8Mqkay+al2g==",
    "gss-gex-sha1-toWM5Slw5Ew8Mqkay+al2g==",
})
#: Markers in the kex list that are not key exchange methods.
KEX_MARKERS = ("ext-info-", "kex-strict-")
#: Host-key algorithms that need SHA-1 signatures.
LEGACY_HOSTKEY = frozenset({
    "ssh-rsa", "ssh-dss", "ssh-rsa-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com",
})
AEAD_CIPHERS = ("chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com")


def real_kex(algs: tuple[str, ...]) -> list[str]:
    return [a for a in algs if not a.startswith(KEX_MARKERS)]


def negotiate(client: KexInit, server: KexInit) -> dict[str, str | None]:
    """RFC 4253 7.1: the first client algorithm the server also offers, per category."""

    def first(c: tuple[str, ...], s: tuple[str, ...]) -> str | None:
        return next((a for a in c if a in s), None)

    cipher = first(client.cipher_c2s, server.cipher_c2s)
    mac = "implicit (AEAD cipher)" if cipher in AEAD_CIPHERS else first(client.mac_c2s, server.mac_c2s)
    return {
        "kex": first(tuple(real_kex(client.kex)), tuple(real_kex(server.kex))),
        "host_key": first(client.host_key, server.host_key),
        "cipher": cipher,
        "mac": mac,
        "compression": first(client.compression_c2s, server.compression_c2s),
    }


def legacy_findings(server: KexInit) -> list[Finding]:
    out: list[Finding] = []
    kex = real_kex(server.kex)
    if kex and all(a in LEGACY_KEX for a in kex):
        out.append(make_finding(
            "ssh.kex_legacy",
            f"the server only offers SHA-1-era key exchange: {', '.join(kex)}",
            evidence={"server_kex": kex},
        ))
    if server.host_key and all(a in LEGACY_HOSTKEY for a in server.host_key):
        out.append(make_finding(
            "ssh.hostkey_algorithm_legacy",
            f"the server's host key is only offered as {', '.join(server.host_key)} (SHA-1 signatures)",
            evidence={"server_host_key_algorithms": list(server.host_key)},
        ))
    return out


def _credentials(ctx: Context[SftpSettings, SftpState]) -> Credentials:
    pw = ctx.settings.password
    return Credentials(
        password=pw.get_secret_value() if pw is not None else None,
        key=ctx.state.client_key,
        allow_kbdint=ctx.target.keyboard_interactive,
    )


class TransportCheck(Check[SftpSettings, SftpState]):
    """Start the SSH session over the connected socket and judge the key exchange."""

    id = "ssh.transport"
    title = "SSH key exchange"
    needs = ("ssh.banner",)
    after = ("ssh.key",)
    timeout_steps = 1.5

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        st, s = ctx.state, ctx.settings
        assert st.sock is not None and st.peer is not None
        deadline = time.monotonic() + self.timeout(ctx) * 0.9
        found = find_identification(st.preread)
        if found is not None and not found[0].ascii_only:
            return Outcome.of([_not_ascii_finding(found[0].line, s)])
        policy = HostKeyPolicy.build(s.host, st.peer[0], s.port, s.host_key_fingerprint, s.known_hosts)
        session = self._start(ctx, policy, st.sock, st.preread)
        await session.wait_kex()
        session = await self._find_pinned_type(ctx, policy, session, deadline)
        server, client = session.server_tap.kexinit, session.client_tap.kexinit
        facts: dict[str, Any] = {}
        if server is not None:
            facts["server_offer"] = server.to_dict()
        if client is not None:
            facts["client_offer"] = client.to_dict()
        if server is not None and client is not None:
            facts["negotiated"] = negotiate(client, server)
        if len(session.host_keys_seen) > 1:
            facts["host_keys_seen"] = [seen.to_dict() for seen in session.host_keys_seen]
        findings = legacy_findings(server) if server is not None else []
        if session.kex_done.is_set() or (
            session.host_key_verdict is not None and session.host_key_verdict.status == "mismatch"
        ):
            # Keys were exchanged (a host-key mismatch aborts later, in its own layer).
            return Outcome.of(findings, **facts)
        err = session.connect_error()
        facts["error"] = f"{type(err).__name__}: {err}" if err else "connection ended"
        negotiated = facts.get("negotiated", {})
        missing = [cat for cat in ("kex", "host_key", "cipher", "mac")
                   if cat in negotiated and negotiated[cat] is None]
        if isinstance(err, asyncssh.KeyExchangeFailed) or missing or server is not None:
            findings.append(make_finding(
                "ssh.no_common_algorithm",
                "key exchange failed: no algorithm in common with the server"
                + (f" for: {', '.join(missing)}" if missing else ""),
                evidence={"missing": missing, "server_offer": facts.get("server_offer"),
                          "client_offer": facts.get("client_offer"), "error": facts["error"]},
            ))
            return Outcome.of(findings, **facts)
        # No key exchange offer ever arrived after the banner: the server hung up or sent junk.
        tap_error = session.server_tap.error
        return Outcome.of([make_finding(
            "ssh.protocol_error",
            "after its SSH banner the server "
            + (f"sent invalid data ({tap_error})" if tap_error else f"failed: {facts['error']}"),
            evidence={"error": facts["error"], "stream": tap_error,
                      "bytes_received": session.server_tap.bytes_seen},
            host=s.host, port=s.port, user=s.user,
        )], **facts)

    def _start(self, ctx: Context[SftpSettings, SftpState], policy: HostKeyPolicy,
               sock: socket.socket, preread: bytes, prefer: Sequence[str] = ()) -> SshSession:
        s = ctx.settings
        session = SshSession(
            sock=sock, preread=preread, host=s.host, port=s.port, user=s.user,
            creds=_credentials(ctx), policy=policy, transcript=ctx.transcript,
            prefer_host_key_algs=prefer,
        )
        ctx.state.session = session
        ctx.resources.push_async_callback(session.close)
        session.start()
        return session

    async def _find_pinned_type(self, ctx: Context[SftpSettings, SftpState], policy: HostKeyPolicy,
                                session: SshSession, deadline: float) -> SshSession:
        """A pin does not say its key type. When the negotiated key is not pinned, ask for each
        other type the server offers, one key-exchange-only connection at a time (no
        authentication happens on a key that is not pinned), and keep the session that presents
        the pinned key. Only when no offered type is pinned is it a mismatch."""
        verdict, server = session.host_key_verdict, session.server_tap.kexinit
        if not policy.pins or verdict is None or verdict.status != "mismatch" or server is None:
            return session
        seen = [HostKeySeen(verdict.algorithm, verdict.fingerprint, verdict.status)]
        for algs in _other_key_types(policy, server.host_key, verdict.algorithm):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen.append(HostKeySeen(algs[0], error="not asked: the time budget was used up"))
                continue
            ctx.transcript.add("hostkey", f"the {verdict.algorithm} key is not pinned; "
                                          f"asking the server for its {algs[0]} key")
            await session.close()  # never more than one connection at a time
            try:
                found = await asyncio.wait_for(self._reconnect(ctx, policy, algs), remaining)
            except (TimeoutError, OSError) as exc:
                found = f"{type(exc).__name__}: {exc}".rstrip(": ")
            if isinstance(found, str):
                seen.append(HostKeySeen(algs[0], error=found))
                continue
            session, verdict = found, found.host_key_verdict
            assert verdict is not None
            seen.append(HostKeySeen(verdict.algorithm, verdict.fingerprint, verdict.status))
            if verdict.status == "match":
                break
        session.host_keys_seen = seen
        # The session that presented the pinned key (or the last one that presented any) is the
        # one the later layers use; an attempt that failed midway must not replace it.
        ctx.state.session, ctx.state.sock, ctx.state.preread = session, session.sock, session.preread
        return session

    async def _reconnect(self, ctx: Context[SftpSettings, SftpState], policy: HostKeyPolicy,
                         prefer: Sequence[str]) -> SshSession | str:
        """A fresh TCP connection and key exchange preferring ``prefer``; the session once the
        server presented a key, else why not."""
        st = ctx.state
        assert st.peer is not None
        sock, outcome = await connect_one(st.peer[0], st.peer[1], ctx.step_timeout)
        if sock is None:
            return f"TCP connection {outcome.get('result', 'failed')}"
        ctx.resources.callback(sock.close)  # closed even if this attempt is cancelled midway
        greeting = await exchange_identification(sock, ctx.step_timeout)
        if greeting.ident is None:
            sock.close()
            return f"no SSH banner ({greeting.ended})"
        session = self._start(ctx, policy, sock, greeting.data, prefer)
        await session.wait_kex()
        if session.host_key_verdict is None:
            error = session.connect_error()
            return f"no host key presented ({type(error).__name__ if error else 'connection ended'})"
        return session


def _other_key_types(policy: HostKeyPolicy, offered: Sequence[str], negotiated: str) -> list[list[str]]:
    """The server's other host key types, each as the algorithms to prefer for it, in our order."""
    by_family: dict[str, list[str]] = {}
    for alg in policy.preferred_algorithms():
        family = key_family(alg)
        if alg in offered and family != key_family(negotiated):
            by_family.setdefault(family, []).append(alg)
    return list(by_family.values())


def _not_ascii_finding(line: str, s: SftpSettings) -> Finding:
    return make_finding(
        "ssh.protocol_error",
        f"the server's identification line has bytes outside US-ASCII: {line}",
        evidence={"identification": line, "reason": "identification_not_ascii"},
        detail="RFC 4253 4.2 allows only US-ASCII in the identification line (the bytes are shown "
               "escaped as \\xNN). OpenSSH's client tolerates them; the SSH library this tool uses "
               "does not, so the deeper layers cannot be checked, and other clients may refuse too.",
        fix=["Remove the non-ASCII characters from the server's identification (for OpenSSH: "
             "the VersionAddendum line in sshd_config), then reload sshd.",
             f"Or check the deeper layers with OpenSSH's client: ssh -vvv -p {s.port} {s.user}@{s.host}"],
    )
