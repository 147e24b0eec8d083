"""Layer 6 — host key: is this the server we think it is?"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncssh

from ..codes import make_finding
from ..config.sftp import SftpSettings
from ..connectors.sftp.hostkeys import fingerprints, known_hosts_name
from ..connectors.sftp.state import SftpState
from ..model import Severity
from .base import Check, Context, Outcome


class HostKeyCheck(Check[SftpSettings, SftpState]):
    """Compare the presented host key with the pinned fingerprint or known_hosts."""

    id = "ssh.hostkey"
    title = "Host key"
    needs = ("ssh.transport",)

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        session = ctx.state.session
        assert session is not None
        verdict = session.host_key_verdict
        if verdict is None:
            return Outcome.blocked("ssh.transport", note="the server never presented a host key")
        facts: dict[str, Any] = {
            "algorithm": verdict.algorithm, "sha256": verdict.fingerprint, "md5": verdict.md5,
            "known_hosts_line": verdict.known_hosts_line, "verified_against": verdict.source or None,
        }
        if verdict.status == "match":
            return Outcome.of(**facts)
        if verdict.status == "mismatch" and verdict.source == "pinned fingerprint":
            other = await self._pinned_other_type(ctx, verdict.expected, verdict.algorithm)
            if other is not None:
                alg, fp = other
                return Outcome.of([make_finding(
                    "ssh.hostkey_unknown",
                    f"the pinned fingerprint is this server's {alg} key, but the {verdict.algorithm} "
                    f"key ({verdict.fingerprint}) was negotiated: pin that one as well",
                    evidence={**facts, "pinned_matches": {alg: fp}}, severity=Severity.FAIL,
                    fix=[f"Pin both: --host-key-fingerprint {fp},{verdict.fingerprint}"],
                )], **facts)
        if verdict.status == "mismatch":
            return Outcome.of([make_finding(
                "ssh.hostkey_mismatch",
                f"the server presented {verdict.fingerprint}, but {verdict.source} expects "
                f"{', '.join(verdict.expected)}",
                evidence={**facts, "expected": list(verdict.expected)},
                known_hosts_name=known_hosts_name(ctx.settings.host, ctx.settings.port),
            )], **facts)
        s = ctx.settings
        if s.accept_new:
            written = session.policy.append_known_host(verdict.known_hosts_line)
            ctx.transcript.add("hostkey", f"--accept-new: added the host key to {written}")
            return Outcome.of([make_finding(
                "ssh.hostkey_unknown",
                f"new host key {verdict.fingerprint} accepted and written to {written}",
                evidence={**facts, "written_to": written}, severity=Severity.INFO,
                fix=["Confirm the fingerprint with the server's administrator all the same."],
            )], **facts)
        summary = f"host key not verified (nothing pinned): {verdict.fingerprint} ({verdict.algorithm})"
        if verdict.note:
            summary += f"; {verdict.note}"
        return Outcome.of([make_finding(
            "ssh.hostkey_unknown", summary, evidence=facts,
            fingerprint=verdict.fingerprint, known_hosts_line=verdict.known_hosts_line,
        )], **facts)

    async def _pinned_other_type(
        self, ctx: Context[SftpSettings, SftpState], pins: tuple[str, ...], negotiated: str
    ) -> tuple[str, str] | None:
        """Does a pinned fingerprint belong to another of the server's host key types?

        A pin says nothing about its key type, so a server with several host keys may negotiate
        another one. Key-exchange-only connections (no authentication, nothing to lock anyone
        out) fetch the other types' keys to tell that apart from a real mismatch.
        """
        session, peer = ctx.state.session, ctx.state.peer
        if session is None or peer is None or session.server_tap.kexinit is None:
            return None
        families: dict[str, str] = {}
        for alg in session.server_tap.kexinit.host_key:
            family = _key_family(alg)
            if family != _key_family(negotiated) and family not in families:
                families[family] = alg
        for alg in list(families.values())[:3]:
            try:
                key = await asyncio.wait_for(asyncssh.get_server_host_key(
                    peer[0], peer[1], server_host_key_algs=[alg], config=None), ctx.step_timeout)
            except (asyncssh.Error, OSError, TimeoutError):
                continue
            if key is None:
                continue
            sha, md5 = fingerprints(key)
            if any(p in (sha, md5, sha.removeprefix("SHA256:")) for p in pins):
                return key.get_algorithm(), sha
        return None


def _key_family(alg: str) -> str:
    """rsa-sha2-512, rsa-sha2-256 and ssh-rsa are one RSA key; certificates count as their key."""
    base = alg.replace("-cert-v01@openssh.com", "")
    if base in ("ssh-rsa", "rsa-sha2-256", "rsa-sha2-512"):
        return "rsa"
    return base
