"""Layer 6 — host key: is this the server we think it is?

The transport layer already negotiated the key we can verify when its type is known (known_hosts)
and, for a pin, asked for each of the server's key types until the pinned one came (see
``ssh_transport.py``). What is left here is the verdict: a match, a mismatch (none of the
server's keys is the expected one), or an unknown key to confirm out of band.
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Severity
from ..hostkeys import known_hosts_name
from ..settings import SftpSettings
from ..state import SftpState


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
        seen = session.host_keys_seen
        if seen:
            facts["host_keys_seen"] = [x.to_dict() for x in seen]
        if verdict.status == "match":
            return Outcome.of(**facts)
        if verdict.status == "mismatch":
            server_keys = {x.algorithm: x.fingerprint for x in seen if x.fingerprint} or {
                verdict.algorithm: verdict.fingerprint}
            unchecked = [x for x in seen if not x.fingerprint]
            if unchecked:
                # A type we could not fetch may be the pinned one: not evidence of interception.
                names = ", ".join(x.algorithm for x in unchecked)
                return Outcome.of([make_finding(
                    "ssh.hostkey_unknown",
                    f"none of the host keys seen is pinned ({', '.join(server_keys)}), and the "
                    f"server's {names} key could not be fetched: {unchecked[0].error}",
                    evidence={**facts, "server_host_keys": server_keys, "expected": list(verdict.expected),
                              "not_fetched": {x.algorithm: x.error for x in unchecked}},
                    severity=Severity.FAIL,
                    fix=["Run the check again; if it persists, compare the pin with each of the "
                         "server's keys: ssh-keyscan -p PORT HOST | ssh-keygen -lf -"],
                )], **facts)
            expects = ", ".join(verdict.expected)
            return Outcome.of([make_finding(
                "ssh.hostkey_mismatch",
                f"the server presented {verdict.fingerprint}, but {verdict.source} expects {expects}"
                if len(server_keys) == 1 else
                f"none of the server's host keys ({', '.join(server_keys)}) is the one "
                f"{verdict.source} expects ({expects})",
                evidence={**facts, "expected": list(verdict.expected), "server_host_keys": server_keys},
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
