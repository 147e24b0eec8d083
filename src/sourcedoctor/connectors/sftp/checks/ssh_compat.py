"""Layer 5b — client compatibility: would the other SSH stacks, and the platform's, agree with this server?

Our own client connecting proves little: asyncssh accepts more than the platform's client does, and
the support engineer's OpenSSH accepts something else again. This layer takes the server's offer the
transport layer read off the wire and judges it against every stack (see
:mod:`sourcedoctor.connectors.sftp.compat` for where each list comes from). paramiko's row is a real
key exchange on one extra connection that stops before authentication, so no credential is sent and
no login attempt is counted by fail2ban.

``ssh.client_incompatible`` is raised only when the target's client has nothing in common with the
server in some category while another stack does — the "works from my laptop" case. When no stack can
connect, the transport layer's ``ssh.no_common_algorithm`` already says so.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....connbudget import extra_connection
from ....model import Finding
from .. import compat, compat_process
from ..settings import SftpSettings
from ..state import SftpState


class CompatCheck(Check[SftpSettings, SftpState]):
    """Build the per-stack matrix and flag a target client that cannot negotiate."""

    id = "ssh.compat"
    title = "Client compatibility"
    needs = ("ssh.banner",)
    after = ("ssh.transport",)
    timeout_steps = 1.5

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        st = ctx.state
        server = st.session.server_tap.kexinit if st.session is not None else None
        if server is None or st.peer is None:
            return Outcome.blocked("ssh.transport", skipped="the server's algorithm offer was not read")
        target_stack = compat.TARGET_CLIENTS.get(ctx.target.name)
        rows: list[compat.StackResult] = [compat.compute(compat.asyncssh_stack(), server)]
        # OpenSSH's lists (two short `ssh` runs) are read while paramiko's exchange runs.
        openssh_lists = asyncio.ensure_future(asyncio.to_thread(compat.openssh_stack))
        if ctx.settings.max_connections >= 2:
            # In a fleet sweep the second connection counts against the server's budget; it is
            # refused only when every run holding that budget waits for one too.
            async with extra_connection(ctx.step_timeout) as granted:
                if granted:
                    rows.append(await self._paramiko(st.peer[0], st.peer[1], ctx.step_timeout))
                else:
                    rows.append(self._paramiko_from_lists(
                        server, "the fleet's connection budget for this server was in use"))
        else:
            # The server allows one connection: paramiko's row comes from its lists instead of a
            # second connection (the source says so in the report).
            rows.append(self._paramiko_from_lists(server, "the server allows one connection"))
        openssh = await openssh_lists
        if openssh is not None:
            rows.append(compat.compute(openssh, server))
        target_row = compat.compute(target_stack, server) if target_stack is not None else None
        if target_row is not None:
            rows.append(target_row)
        matrix = [r.to_dict() for r in rows]
        findings: list[Finding] = []
        if target_row is not None and target_stack is not None and target_row.missing:
            others_ok = [r.label for r in rows if r is not target_row and r.ok]
            if others_ok:
                findings.append(self._incompatible(ctx, target_stack, target_row, others_ok, server, matrix))
        return Outcome.of(findings, matrix=matrix)

    @staticmethod
    def _paramiko_from_lists(server: Any, why: str) -> compat.StackResult:
        """paramiko's row computed from its own lists, saying why no key exchange was run."""
        stack = dataclasses.replace(compat.paramiko_stack(),
                                    source=f"paramiko's own algorithm lists, computed ({why})")
        return compat.compute(stack, server)

    async def _paramiko(self, address: str, port: int, timeout: float) -> compat.StackResult:
        try:
            # In the child process the CLI started early (see compat_process), else in a thread.
            return await asyncio.wait_for(
                compat_process.negotiate(address, port, timeout), timeout * 1.2)
        except TimeoutError:
            stack = compat.paramiko_stack()
            return compat.StackResult(stack.name, stack.label, stack.source, "negotiated", {},
                                      error=f"no answer within {timeout:g} s")

    @staticmethod
    def _incompatible(ctx: Context[SftpSettings, SftpState], target: compat.ClientStack,
                      row: compat.StackResult, others_ok: list[str], server: Any,
                      matrix: list[dict[str, Any]]) -> Finding:
        # The server's lists as negotiated (its kex list without the ext-info/strict-kex markers).
        lists = compat.server_lists(server)
        offered = {c: list(lists[c]) for c in row.missing}
        return make_finding(
            "ssh.client_incompatible",
            f"the {ctx.target.name} platform's SSH client has no {', '.join(row.missing)} in common "
            f"with the server, while {', '.join(others_ok)} can connect",
            evidence={
                "target_client": target.label, "list_source": target.source,
                "missing": row.missing, "server_offers": offered,
                "client_supports": {c: list(target.offer(c)) for c in row.missing},
                "matrix": matrix,
            },
            fix=compat.server_fix(target, row.missing, server),
        )
