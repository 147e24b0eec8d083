"""One HTTP request to the inlet, with the standard library's http.client in a thread.

The connection goes to the address the TCP layer reached (DNS is not asked again) with the inlet's
host name for SNI, certificate checking and the Host header. Every request has the step's timeout
on the socket and on the thread; the answer's body is read up to :data:`BODY_LIMIT` bytes. The
only retry is the bounded 503 policy of :func:`post_with_retry` (a request the inlet refused as
unavailable wrote nothing, so repeating it cannot write twice).
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ... import safejson
from ...checks.tls import client_context

if TYPE_CHECKING:
    from .settings import InletSettings

#: Most bytes of an answer's body read (the platform's answers are a few hundred bytes).
BODY_LIMIT = 64 << 10
#: 503 answers retried at most this many times.
MAX_RETRIES = 2
#: Back-off before retry N (1-based) when the inlet sends no Retry-After.
BACKOFF_S = (0.5, 1.0)


@dataclass(frozen=True)
class InletAnswer:
    """The status, headers (lower-case names) and body of one answer; ``error`` when none came."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    elapsed_ms: float = 0.0
    #: The statuses of earlier attempts (503s retried), oldest first.
    retried: tuple[int, ...] = ()

    @property
    def json(self) -> Any:
        try:
            return safejson.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def text(self) -> str:
        return self.body[:2000].decode("utf-8", "replace")

    def message(self) -> str:
        """The platform's words: ``report.message`` / ``title`` of a problem answer, else the text."""
        doc = self.json
        if isinstance(doc, dict):
            report = doc.get("report")
            parts = [str(doc.get("title") or ""),
                     str(report.get("message") or "") if isinstance(report, dict) else ""]
            said = " — ".join(p for p in parts if p)
            if said:
                return said
        return self.text.strip()

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "elapsed_ms": self.elapsed_ms}
        if self.retried:
            out["earlier_statuses"] = list(self.retried)
        for name in ("retry-after", "content-type", "x-request-id"):
            if name in self.headers:
                out[name] = self.headers[name]
        doc = self.json
        out["body"] = doc if isinstance(doc, dict | list) else self.text
        if self.error:
            out["error"] = self.error
        return out


def _request(settings: InletSettings, peer: tuple[str, int], body: bytes, timeout: float) -> InletAnswer:
    """Blocking: one POST over a fresh connection to ``peer``."""
    import http.client

    t0 = time.monotonic()
    sock = socket.create_connection(peer, timeout=timeout)
    try:
        if settings.tls:
            ctx = client_context(settings.ca_bundle)
            sock = ctx.wrap_socket(sock, server_hostname=settings.server_hostname)
        conn = http.client.HTTPConnection(settings.host, settings.port, timeout=timeout)
        conn.sock = sock  # already connected (and wrapped): http.client only speaks HTTP on it
        headers = settings.headers()
        if settings.token is not None:
            token = settings.token.get_secret_value().strip()
            if token.lower().startswith("bearer "):
                token = token[7:].strip()
            headers["Authorization"] = f"Bearer {token}"
        headers["Content-Length"] = str(len(body))
        # Set here, not by http.client: its plain HTTPConnection would write ":443" into it.
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        default_port = 443 if settings.tls else 80
        headers["Host"] = host if settings.port == default_port else f"{host}:{settings.port}"
        conn.request("POST", settings.request_path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read(BODY_LIMIT)
        return InletAnswer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data,
                           elapsed_ms=round((time.monotonic() - t0) * 1000, 1))
    finally:
        sock.close()


async def post(settings: InletSettings, peer: tuple[str, int], body: bytes, timeout: float) -> InletAnswer:
    """One POST of ``body``; a network failure is an answer with ``error`` (never raised)."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(_request, settings, peer, body, timeout),
                                      timeout + 1.0)
    except TimeoutError:
        return InletAnswer(None, error=f"no answer within {timeout:g} s")
    except (OSError, ValueError) as exc:
        # ssl errors are OSErrors; http.client's protocol errors (a non-HTTP peer) are too, or
        # ValueErrors for a garbled status line.
        return InletAnswer(None, error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        return InletAnswer(None, error=f"{type(exc).__name__}: {exc}")


def retry_after_s(answer: InletAnswer) -> float | None:
    """Retry-After in seconds (only the delta-seconds form; an HTTP date is left unread)."""
    value = answer.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


async def post_with_retry(settings: InletSettings, peer: tuple[str, int], body: bytes,
                          timeout: float, budget: float) -> InletAnswer:
    """POST, retrying a 503 at most :data:`MAX_RETRIES` times: wait Retry-After (or the
    back-off), never beyond ``budget`` seconds in all — a wait that would pass it is not made."""
    start = time.monotonic()
    statuses: list[int] = []
    for attempt in range(MAX_RETRIES + 1):
        answer = await post(settings, peer, body, timeout)
        if answer.status != 503 or attempt == MAX_RETRIES:
            break
        wait = retry_after_s(answer)
        wait = BACKOFF_S[attempt] if wait is None else wait
        if time.monotonic() - start + wait + timeout > budget:
            break
        statuses.append(503)
        await asyncio.sleep(wait)
    if statuses:
        answer = InletAnswer(answer.status, answer.headers, answer.body, answer.error,
                             answer.elapsed_ms, tuple(statuses))
    return answer
