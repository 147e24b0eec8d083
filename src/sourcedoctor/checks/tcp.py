"""Layer 3 — TCP: connect to every resolved address and keep the first that answers."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import time
from typing import Any

from ..codes import make_finding
from .base import Check, Context, Outcome
from .network import NetworkSettings, NetworkState

#: More addresses than this are not worth a connection each (and would load the server).
MAX_ADDRESSES = 4
_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.EACCES, errno.EPERM,
                errno.EADDRNOTAVAIL}


async def connect_one(addr: str, port: int, timeout: float) -> tuple[socket.socket | None, dict[str, Any]]:
    """Connect once; returns the socket (or None) and what happened."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    outcome: dict[str, Any] = {"address": addr}
    try:
        await asyncio.wait_for(loop.sock_connect(sock, (addr, port)), timeout)
    except TimeoutError:
        outcome.update(result="timeout", after_ms=int(timeout * 1000))
    except ConnectionRefusedError:
        outcome.update(result="refused")
    except ConnectionResetError:
        # The handshake completed and the server reset at once (seen before connect() returns):
        # something listens but throws us out, as MaxStartups or tcp wrappers do.
        outcome.update(result="reset")
    except OSError as exc:
        kind = "unreachable" if exc.errno in _UNREACHABLE else "error"
        outcome.update(result=kind, errno=errno.errorcode.get(exc.errno or 0, str(exc.errno)),
                       message=exc.strerror or str(exc))
    else:
        outcome.update(result="connected", connect_ms=round((time.monotonic() - t0) * 1000, 1))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, outcome
    sock.close()
    return None, outcome


class TcpCheck(Check[NetworkSettings, NetworkState]):
    """Every resolved address, concurrently, with connect time; the first in DNS order wins."""

    id = "tcp.connect"
    title = "TCP connection"
    needs = ("dns.resolve",)
    timeout_steps = 1.2

    def __init__(self, *, reset_code: str, service: tuple[str, int]) -> None:
        #: The code for a connection accepted and reset at once (the reset may also arrive just
        #: after connect(), in the connector's first protocol layer): each connector names the code
        #: its users know for "accepted, then thrown out" (SFTP: ``ssh.closed_before_banner``).
        self.reset_code = reset_code
        #: The service's name and usual port (``("PostgreSQL", 5432)``), for tcp.refused's advice.
        self.service = service

    async def run(self, ctx: Context[NetworkSettings, NetworkState]) -> Outcome:
        port = ctx.settings.port
        addrs = ctx.state.addresses[:MAX_ADDRESSES]
        results = await asyncio.gather(*(connect_one(a, port, ctx.step_timeout) for a in addrs))
        chosen = next(((s, o) for s, o in results if s is not None), None)
        for sock, _ in results:  # close the extra connections at once: one session is enough
            if sock is not None and (chosen is None or sock is not chosen[0]):
                with contextlib.suppress(OSError):
                    sock.close()
        attempts = [o for _, o in results]
        for o in attempts:
            ctx.transcript.add("tcp", f"{o['address']}:{port} → {o['result']}")
        if chosen is not None:
            sock, o = chosen
            ctx.state.sock = sock
            ctx.state.peer = (o["address"], port)
            ctx.resources.callback(sock.close)
            return Outcome.of(attempts=attempts, connected=f"{o['address']}:{port}")
        first = attempts[0]
        if first["result"] == "reset":
            return Outcome.of([make_finding(
                self.reset_code,
                f"{first['address']}:{port} accepted the connection and reset it at once",
                evidence={"port": port, "attempts": attempts, "how": "reset"},
                host=ctx.settings.host, port=port, endpoint=f"{ctx.settings.host}:{port}")],
                attempts=attempts)
        kind = first["result"] if first["result"] in ("refused", "timeout") else "unreachable"
        summary = {
            "refused": f"{first['address']}:{port} refused the connection (nothing listens there)",
            "timeout": f"no answer from {first['address']}:{port} within {ctx.step_timeout:g} s "
                       "(filtered: firewall, allow-list or wrong host)",
            "unreachable": f"{first['address']} is unreachable ({first.get('message', 'no route')})",
        }[kind]
        usual = f"{self.service[0]} is usually {self.service[1]}"
        finding = make_finding(f"tcp.{kind}", summary, evidence={"port": port, "attempts": attempts},
                               host=ctx.settings.host, port=port, address=first["address"],
                               usual=usual)
        return Outcome.of([finding], attempts=attempts)
