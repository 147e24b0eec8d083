"""Shared layer — TLS: the handshake an HTTPS client makes, judged before any request is sent.

On the TCP layer's connected socket, a handshake with the standard library's ssl module and the
default trust store (or ``ca_bundle`` alone when one is given, as HTTPS clients do): chain to a
trusted root, validity period, host name, protocol. A refused certificate is named by OpenSSL's
verify code (``tls.untrusted``, ``tls.expired``, ``tls.hostname_mismatch``); anything else that
stops the handshake is ``tls.handshake_failed``. After a refusal, a second, unverified handshake
fetches the certificate only to show it (subject, issuer, validity, names): nothing is sent over it.
A plain ``http://`` endpoint gets ``tls.plaintext`` (a warning). Under a cloud target a certificate
trusted only through ``ca_bundle`` is ``tls.untrusted`` as a warning: the platform will not have
that bundle.

Typed on small protocols, not on a connector: any settings with host/port/tls/server_hostname/
ca_bundle and any state with sock/peer/tls work (S3 today, every HTTPS connector after it).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import socket
import ssl
from typing import Any, Protocol

from ..codes import make_finding
from ..model import Finding, Severity
from ..sentence import Sentence
from .base import Check, Context, Outcome

#: OpenSSL verify codes (x509_vfy.h) and what they mean for the user.
_EXPIRED = {9: "not yet valid", 10: "expired"}
_HOSTNAME = {62: "host name", 64: "IP address"}
_UNTRUSTED = {2, 18, 19, 20, 21, 27, 28}


class TlsSettings(Protocol):
    """What the TLS layer needs from a connector's settings."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def tls(self) -> bool: ...
    @property
    def server_hostname(self) -> str: ...
    @property
    def ca_bundle(self) -> str | None: ...


class TlsState(Protocol):
    """What the TLS layer reads (the TCP layer's socket and peer) and writes (``tls`` facts)."""

    sock: socket.socket | None
    peer: tuple[str, int] | None
    tls: dict[str, Any]


def client_context(ca_bundle: str | None, *, verify: bool = True) -> ssl.SSLContext:
    """The context an HTTPS client uses: default trust store, or ``ca_bundle`` alone."""
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    if not ca_bundle:
        return ssl.create_default_context()
    from ..userfiles import read_ca_bundle  # read bounded here too: the file may have changed

    # Only the certificate blocks: ssl takes an ASCII string, and bundles carry comments that
    # may not be ASCII (issuer names in labels).
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----",
                        read_ca_bundle(ca_bundle), re.S)
    return ssl.create_default_context(cadata="\n".join(b.decode("ascii", "replace") for b in blocks))


def describe_certificate(der: bytes) -> dict[str, Any]:
    """Subject, issuer, validity and names of a DER certificate, for evidence."""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    names: list[str] = []
    with contextlib.suppress(x509.ExtensionNotFound):
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [*san.get_values_for_type(x509.DNSName),
                 *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]
    return {"subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(), "subject_alt_names": names,
            "self_signed": cert.subject == cert.issuer}


async def _handshake(sock: socket.socket | None, peer: tuple[str, int], ctx: ssl.SSLContext,
                     server_hostname: str, timeout: float) -> dict[str, Any]:
    """Handshake over ``sock`` (or a new connection to ``peer``); the session's facts."""
    kwargs: dict[str, Any] = {"sock": sock} if sock is not None else {"host": peer[0], "port": peer[1]}
    _, writer = await asyncio.wait_for(asyncio.open_connection(
        ssl=ctx, server_hostname=server_hostname, ssl_handshake_timeout=timeout, **kwargs), timeout)
    return await session_facts(writer, timeout)


async def session_facts(writer: asyncio.StreamWriter, timeout: float) -> dict[str, Any]:
    """A finished handshake's facts (protocol, cipher, the certificate); closes the connection.
    Shared with protocols that start TLS inside their own (MySQL's SSLRequest)."""
    try:
        obj = writer.get_extra_info("ssl_object")
        der = obj.getpeercert(binary_form=True) if obj is not None else None
        cipher = obj.cipher() if obj is not None else None
        return {"protocol": obj.version() if obj is not None else None,
                "cipher": cipher[0] if cipher else None,
                **({"certificate": describe_certificate(der)} if der else {})}
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), timeout)


class TlsCheck(Check[TlsSettings, TlsState]):
    """Handshake as an HTTPS client would; name what makes the certificate unacceptable."""

    id = "tls.handshake"
    title = "TLS"
    needs = ("tcp.connect",)
    timeout_steps = 2.5  # the verified handshake, then at most one more (show a refusal; public trust)
    #: openssl's ``-starttls`` protocol when TLS starts inside the service's own protocol (FTP's
    #: AUTH TLS, PostgreSQL's SSLRequest, MySQL's SSL request): the fix's inspect command needs it.
    starttls: str | None = None

    async def run(self, ctx: Context[TlsSettings, TlsState]) -> Outcome:
        outcome = await self.judge(ctx)
        if not self.starttls:
            return outcome
        findings = tuple(with_starttls(f, self.starttls) for f in outcome.findings)
        return Outcome(findings, outcome.facts, outcome.status, outcome.blocked_by)

    async def judge(self, ctx: Context[TlsSettings, TlsState]) -> Outcome:
        """The handshake and its verdict (``run`` adapts the fix to a STARTTLS protocol)."""
        s, st = ctx.settings, ctx.state
        if not s.tls:
            return Outcome.of([make_finding(
                "tls.plaintext", f"{s.host}:{s.port} is reached over plain http://; data travels "
                "unencrypted", evidence={"host": s.host, "port": s.port},
                how="use the endpoint's https:// URL")], tls=False)
        assert st.peer is not None
        sock, st.sock = st.sock, None  # the handshake takes the TCP layer's socket over
        values: dict[str, Any] = {"host": s.host, "port": s.port,
                                  "server_hostname": s.server_hostname}
        base: dict[str, Any] = {"address": f"{st.peer[0]}:{st.peer[1]}",
                                "server_hostname": s.server_hostname,
                                "ca_bundle": s.ca_bundle or "system default"}
        try:
            facts = await _handshake(sock, st.peer, client_context(s.ca_bundle), s.server_hostname,
                                     ctx.step_timeout)
        except ssl.SSLCertVerificationError as exc:
            evidence = {**base, "verify_code": exc.verify_code, "verify_message": exc.verify_message,
                        **await self._shown_certificate(ctx)}
            return Outcome.of([self._refused(exc, evidence, values)])
        except (ssl.SSLError, OSError, TimeoutError) as exc:
            reason = (f"no TLS answer within {ctx.step_timeout:g} s" if isinstance(exc, TimeoutError)
                      else f"{type(exc).__name__}: {exc}")
            return Outcome.of([make_finding(
                "tls.handshake_failed", f"{s.host}:{s.port}: the TLS handshake failed ({reason})",
                evidence={**base, "error": reason}, **values)])
        finally:
            if sock is not None:
                sock.close()
        st.tls = facts
        ctx.transcript.add("tls", f"{s.server_hostname}: {facts.get('protocol')} {facts.get('cipher')}")
        findings = await self._public_trust(ctx, values) if ctx.target.cloud and s.ca_bundle else []
        return Outcome.of(findings, **base, **facts)

    async def _public_trust(self, ctx: Context[TlsSettings, TlsState],
                            values: dict[str, Any]) -> list[Finding]:
        """A cloud platform trusts public CAs only: a certificate that passed only thanks to
        ``ca_bundle`` will be refused there. A warning, not a failure: a TLS-inspecting proxy on
        this side may be what the bundle is for, while the platform sees a public certificate."""
        assert ctx.state.peer is not None
        try:
            await _handshake(None, ctx.state.peer, client_context(None), ctx.settings.server_hostname,
                             ctx.step_timeout)
        except ssl.SSLCertVerificationError as exc:
            return [make_finding(
                "tls.untrusted", f"the certificate of {values['server_hostname']} is trusted only "
                f"through --ca-bundle; {ctx.target.name} trusts public CAs and will refuse it "
                f"({exc.verify_message})", severity=Severity.WARN,
                evidence={"ca_bundle": ctx.settings.ca_bundle, "verify_code": exc.verify_code,
                          "verify_message": exc.verify_message, "public_trust": False}, **values)]
        except (ssl.SSLError, OSError, TimeoutError):
            return []  # the verified handshake worked a moment ago: nothing to conclude
        return []

    async def _shown_certificate(self, ctx: Context[TlsSettings, TlsState]) -> dict[str, Any]:
        """The refused certificate, fetched over an unverified handshake just to show it."""
        assert ctx.state.peer is not None
        try:
            facts = await _handshake(None, ctx.state.peer, client_context(None, verify=False),
                                     ctx.settings.server_hostname, ctx.step_timeout)
        except (ssl.SSLError, OSError, TimeoutError, ValueError) as exc:
            return {"certificate_unavailable": f"{type(exc).__name__}: {exc}"}
        return facts

    @staticmethod
    def _refused(exc: ssl.SSLCertVerificationError, evidence: dict[str, Any],
                 values: dict[str, Any]) -> Finding:
        code = exc.verify_code
        host = values["server_hostname"]
        if code in _EXPIRED:
            cert = evidence.get("certificate", {})
            when = cert.get("not_after") if code == 10 else cert.get("not_before")
            return make_finding("tls.expired", f"the certificate of {host} is {_EXPIRED[code]}"
                                + (f" ({'notAfter' if code == 10 else 'notBefore'} {when})" if when else ""),
                                evidence=evidence, **values)
        if code in _HOSTNAME:
            names = evidence.get("certificate", {}).get("subject_alt_names", [])
            return make_finding("tls.hostname_mismatch",
                                f"the certificate is not valid for the {_HOSTNAME[code]} {host} "
                                f"(it names: {', '.join(names) or 'no alternative names'})",
                                evidence=evidence, **values)
        if code in _UNTRUSTED:
            issuer = evidence.get("certificate", {}).get("issuer", "an unknown issuer")
            return make_finding("tls.untrusted", f"the certificate of {host} is not trusted "
                                f"({exc.verify_message}; issued by {issuer})", evidence=evidence, **values)
        return make_finding("tls.handshake_failed",
                            f"the certificate of {host} was refused ({exc.verify_message})",
                            evidence=evidence, **values)


def with_starttls(finding: Finding, protocol: str) -> Finding:
    """``finding`` with its ``openssl s_client -connect`` step told to start TLS the way the
    service does (``-starttls ftp|postgres|mysql``): a bare TLS handshake on such a port fails."""
    def adapt(step: str) -> str:
        if not isinstance(step, Sentence) or "s_client -connect" not in step.template:
            return step
        template = step.template.replace("-connect {host}:{port}",
                                         f"-connect {{host}}:{{port}} -starttls {protocol}")
        return Sentence(template, step.values)

    return dataclasses.replace(finding, fix=tuple(adapt(step) for step in finding.fix))
