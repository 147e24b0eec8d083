"""Layer 7 — data channel: can a passive data connection be opened, where the server says?

Every listing and every download needs a second TCP connection, to an address and port the server
names in its ``PASV`` reply (``EPSV`` names only a port). Two classic faults live here, and both
look like a hang to the user: the server behind NAT advertises its private address
(``ftp.passive_address``), and the firewall opens port 21 but not the passive port range
(``ftp.data_channel_blocked``). We ask once, then connect to the port as the reader will — to the
control connection's address, as curl and ftplib do — and close it at once (no transfer is
started, nothing is read or written).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.dns import address_scope
from ....checks.tcp import connect_one
from ....codes import make_finding
from ....model import Finding, Severity
from ..errors import FtpError
from ..settings import FtpSettings
from ..state import FtpState

_PASV = re.compile(r"(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})")
_EPSV = re.compile(r"\(([^)])\1\1(\d{1,5})\1\)")
_TLS_WORDS = ("tls", "ssl", "secure", "prot", "encrypt")


def parse_pasv(text: str) -> tuple[str, int] | None:
    """The (address, port) of a 227 reply; None when it has none."""
    m = _PASV.search(text)
    if m is None:
        return None
    nums = [int(x) for x in m.groups()]
    if any(n > 255 for n in nums):
        return None
    return ".".join(map(str, nums[:4])), nums[4] * 256 + nums[5]


def parse_epsv(text: str) -> int | None:
    """The port of a 229 reply (``(|||port|)``); None when it has none."""
    m = _EPSV.search(text)
    return int(m.group(2)) if m and 0 < int(m.group(2)) < 65536 else None


class DataChannelCheck(Check[FtpSettings, FtpState]):
    """PASV (else EPSV), judge the advertised address, open the data port and close it."""

    id = "ftp.data_channel"
    title = "Data channel (passive mode)"
    needs = ("ftp.login",)
    timeout_steps = 3.0

    async def run(self, ctx: Context[FtpSettings, FtpState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.session is not None and st.peer is not None
        control = st.peer[0]
        values: dict[str, Any] = {"host": s.host, "port": s.port, "address": control}
        replies: dict[str, str] = {}
        advertised: str | None = None
        data_port: int | None = None
        ipv6 = ":" in control
        for command in (("EPSV",) if ipv6 else ("PASV", "EPSV")):
            try:
                said = await st.session.run(lambda ftp, c=command: ftp.sendcmd(c))
            except FtpError as err:
                if err.kind != "reply":
                    raise
                replies[command] = str(err)[:300]
                if self._wants_prot_p(err):
                    return Outcome.of([make_finding(
                        "ftp.data_tls_required", f"{s.host} requires encrypted data connections: "
                        f"{command} answered {err}", evidence={"command": command, "reply": str(err)})],
                        replies=replies)
                continue
            replies[command] = said[:300]
            if command == "PASV":
                parsed = parse_pasv(said)
                if parsed is not None:
                    advertised, data_port = parsed
                    break
            else:
                data_port = parse_epsv(said)
                if data_port is not None:
                    break
        facts: dict[str, Any] = {"replies": replies, "control_address": control}
        if data_port is None:
            return Outcome.of([make_finding(
                "ftp.passive_unsupported", f"{s.host} refused passive mode ({'; '.join(replies.values())})",
                evidence={"replies": replies})], **facts)
        facts.update(advertised=advertised or "(EPSV: same address)", data_port=data_port)
        findings: list[Finding] = []
        if advertised is not None and not self._same(advertised, control):
            findings.append(self._wrong_address(ctx, advertised, control, data_port, values))
        sock, attempt = await connect_one(control, data_port, ctx.step_timeout)
        facts["data_connect"] = attempt
        if sock is None:
            how = attempt["result"]
            findings.append(make_finding(
                "ftp.data_channel_blocked",
                f"the passive data port {control}:{data_port} "
                + ("refused the connection" if how == "refused"
                   else f"did not answer within {ctx.step_timeout:g} s" if how == "timeout"
                   else f"is unreachable ({attempt.get('message', how)})"),
                evidence={"address": control, "data_port": data_port, "result": how,
                          "advertised": advertised or "(EPSV)", "attempt": attempt},
                data_port=data_port, **values))
        else:
            with contextlib.suppress(OSError):
                sock.close()
        return Outcome.of(findings, **facts)

    @staticmethod
    def _wants_prot_p(err: FtpError) -> bool:
        return err.code in (521, 522, 534) or (
            err.code == 550 and any(w in err.text.lower() for w in _TLS_WORDS))

    @staticmethod
    def _same(a: str, b: str) -> bool:
        with contextlib.suppress(ValueError):
            return ipaddress.ip_address(a) == ipaddress.ip_address(b)
        return a == b

    @staticmethod
    def _wrong_address(ctx: Context[FtpSettings, FtpState], advertised: str, control: str,
                       data_port: int, values: dict[str, Any]) -> Finding:
        try:
            scope = address_scope(advertised)
        except ValueError:
            scope = "invalid"
        unroutable = scope != "public"
        # A private address is unreachable from a cloud platform unless its client substitutes
        # the control address; elsewhere it is a warning (this machine's client does substitute).
        severity = Severity.FAIL if unroutable and ctx.target.cloud else Severity.WARN
        return make_finding(
            "ftp.passive_address",
            f"the server advertises {advertised}:{data_port} for data connections, but the "
            f"control connection reached {control}" + (f" ({advertised} is {scope})" if unroutable else ""),
            severity=severity,
            evidence={"advertised": advertised, "advertised_scope": scope, "control_address": control,
                      "data_port": data_port},
            advertised=advertised, **values)
