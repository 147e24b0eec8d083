"""Layer 6 — host key: is this the server we think it is?"""

from __future__ import annotations

from typing import Any

from ..codes import make_finding
from ..config.sftp import SftpSettings
from ..connectors.sftp.hostkeys import known_hosts_name
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
