"""Layer 5 — transport: what the server offers, what gets negotiated, and what is too old.

Our own client still connects to SHA-1-only servers, so "could we connect" is not the test: the
server's offered lists are judged against what current OpenSSH clients and the platforms accept.
"""

from __future__ import annotations

from typing import Any

import asyncssh

from ..codes import make_finding
from ..config.sftp import SftpSettings
from ..connectors.sftp.hostkeys import HostKeyPolicy
from ..connectors.sftp.session import Credentials, SshSession
from ..connectors.sftp.state import SftpState
from ..connectors.sftp.wire import KexInit
from ..model import Finding
from .base import Check, Context, Outcome

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
        policy = HostKeyPolicy.build(s.host, st.peer[0], s.port, s.host_key_fingerprint, s.known_hosts)
        session = SshSession(
            sock=st.sock, preread=st.preread, host=s.host, port=s.port, user=s.user,
            creds=_credentials(ctx), policy=policy, transcript=ctx.transcript,
        )
        st.session = session
        ctx.resources.push_async_callback(session.close)
        session.start()
        await session.wait_kex()
        server, client = session.server_tap.kexinit, session.client_tap.kexinit
        facts: dict[str, Any] = {}
        if server is not None:
            facts["server_offer"] = server.to_dict()
        if client is not None:
            facts["client_offer"] = client.to_dict()
        if server is not None and client is not None:
            facts["negotiated"] = negotiate(client, server)
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
