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
from .. import compat, paramiko_row
from ..settings import SftpSettings
from ..state import SftpState

TRANSPORT = "ssh.transport"


class CompatCheck(Check[SftpSettings, SftpState]):
    """Build the per-stack matrix and flag a target client that cannot negotiate."""

    id = "ssh.compat"
    title = "Client compatibility"
    # Started as soon as TCP connects, beside the banner and transport layers: paramiko's
    # exchange is a connection of its own, and the sooner it ends the sooner the parallel-read
    # probe's connections may open theirs. When the port turns out not to speak SSH it ends with
    # the banner layer's verdict (the transport layer is then skipped; the row needs its offer).
    needs = ("tcp.connect",)
    # The key layer (1.5 steps; the transport layer waits for it) and the transport layer (1.5)
    # may run while it waits for the server's offer.
    timeout_steps = 3.5

    def warm_up(self, settings: SftpSettings) -> None:
        # paramiko (~35 ms of CPU beside asyncssh) loads while DNS, TCP and the banner wait.
        if settings.max_connections >= 2:
            paramiko_row.import_paramiko()

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        st = ctx.state
        if st.peer is None:
            return Outcome.blocked("tcp.connect", skipped="no connected address")
        # OpenSSH's lists (two short `ssh` runs) are read while paramiko's exchange runs.
        openssh_lists = asyncio.ensure_future(asyncio.to_thread(compat.openssh_stack))
        paramiko_task = asyncio.ensure_future(self._paramiko_row(ctx, st.peer))
        try:
            # The server's offer is final once the transport layer has ended (or was skipped).
            transport = await ctx.result_of(TRANSPORT)
            server = st.session.server_tap.kexinit if st.session is not None else None
            if server is None:
                blocker = transport.blocked_by if transport and transport.blocked_by else TRANSPORT
                return Outcome.blocked(blocker, skipped="the server's algorithm offer was not read")
            paramiko = await paramiko_task
            rows = [compat.compute(compat.asyncssh_stack(), server),
                    paramiko if isinstance(paramiko, compat.StackResult)
                    else self._paramiko_from_lists(server, paramiko)]
            openssh = await openssh_lists
        finally:
            for task in (paramiko_task, openssh_lists):
                task.cancel()
        if openssh is not None:
            rows.append(compat.compute(openssh, server))
        target_stack = compat.TARGET_CLIENTS.get(ctx.target.name)
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

    async def _paramiko_row(self, ctx: Context[SftpSettings, SftpState],
                            peer: tuple[str, int]) -> compat.StackResult | str:
        """paramiko's really negotiated row, or why no second connection was opened for it (its
        row is then computed from paramiko's lists, which waits for the server's offer)."""
        if ctx.settings.max_connections < 2:
            return "the server allows one connection"
        # In a fleet sweep the second connection counts against the server's budget; it is
        # refused only when every run holding that budget waits for one too.
        async with extra_connection(ctx.step_timeout) as granted:
            if granted:
                return await self._paramiko(peer[0], peer[1], ctx.step_timeout)
        return "the fleet's connection budget for this server was in use"

    @staticmethod
    def _paramiko_from_lists(server: Any, why: str) -> compat.StackResult:
        """paramiko's row computed from its own lists, saying why no key exchange was run."""
        stack = dataclasses.replace(compat.paramiko_stack(),
                                    source=f"paramiko's own algorithm lists, computed ({why})")
        return compat.compute(stack, server)

    async def _paramiko(self, address: str, port: int, timeout: float) -> compat.StackResult:
        try:
            return await asyncio.wait_for(
                paramiko_row.negotiate(address, port, timeout), timeout * 1.2)
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
