"""A local HTTPS streaming inlet that answers as Adobe documents the platform's inlet.

A threaded ``http.server`` (tests/fixtures/tls.py's HttpPeer) with a trustme certificate. Each
answer below names the document it follows. Where Adobe documents no body for a status, the
comment says what the answer relies on instead. The peer counts what it is sent: ``record_posts``
(POSTs with a non-empty body: writes) and ``empty_posts`` (the auth probe's empty POSTs).

Documents (Adobe Experience Platform, experienceleague.adobe.com / github.com/AdobeDocs/
experience-platform.en):
- [HTTP] "Create a streaming connection using the API" (sources/tutorials/api/create/streaming/
  http.md): inlet URL form, the 401 answer of an authenticated inlet ("Ims service token is empty").
- [TROUBLE] "Streaming ingestion troubleshooting guide" (ingestion/streaming-ingestion/
  troubleshooting.md): 200 for one message, 207 for a batch, xactionId / statusCode + message.
- [FAILED] "Retrieving failed batches", appendix (ingestion/quality/retrieve-failed-batches.md):
  400 "Invalid XDM Message Format" with "Message has unknown xdm format" and "Message has an
  absent or wrong ims org in the header".
- [VALID] "Streaming ingestion validation" (ingestion/quality/streaming-validation.md): 400 with
  "Message is invalid" and a ``_streamingValidation`` cause.
- [RECORD] "Stream record data" tutorial: the success body {inletId, xactionId, receivedTimeMs}.
- [GUARD] streaming ingestion guardrails / "Send multiple messages in one request": 1 MB per request.
- [API] Experience Platform API troubleshooting guide, "API status codes": 400/401/403/500 meanings.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.fixtures.tls import HttpPeer

INLET_ID = "9b0cb233972f3b0092992284c7353f5eead496218e8441a79b25e9421ea127f5"  # [TROUBLE]'s example
ORG = "7BF122A65C5B3FE40A494026@AdobeOrg"  # [VALID]'s example organisation
FLOW_ID = "d5262d48-0f47-4949-be6d-795f06933527"
TOKEN = "peer-accepts-this-token-0123456789"
DATASET_SCHEMA = "https://ns.adobe.com/acme/schemas/orders"
OTHER_SCHEMA = "https://ns.adobe.com/acme/schemas/visits"  # known to the org, not the dataset's
PROBLEM = "http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet"
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass
class InletBehaviour:
    """How the peer's inlet is set up (changed by tests between runs)."""

    authenticated: bool = False
    #: Requests from this machine are refused before the inlet (an IP allow-list).
    allow_listed: bool = True
    #: The token is valid but may not write here.
    token_forbidden: bool = False
    #: Answer 429 to every request.
    throttled: bool = False
    #: Answer 503 to this many requests first.
    unavailable: int = 0
    retry_after: str = "0"
    #: Largest body taken ([GUARD]: 1 MB); lowered to play a proxy in front with a smaller limit.
    max_bytes: int = 1_000_000
    record_posts: int = 0
    empty_posts: int = 0
    bodies: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _problem(status: int, title: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": PROBLEM, "status": status, "title": title,
            "report": {"message": f"inletId: [{INLET_ID}] imsOrgId: [{ORG}] {message}", **extra}}


def _get(value: Any, *path: str) -> Any:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def judge(doc: Any, headers: dict[str, str], query: str) -> tuple[int, dict[str, Any]]:
    """The inlet's answer to one well-formed JSON message."""
    org = headers.get("x-gw-ims-org-id")
    if (org is not None and org != ORG) or (_get(doc, "header", "imsOrgId") not in (None, ORG)):
        # [FAILED] appendix "Missing or invalid IMS Org ID".
        return 400, _problem(400, "Invalid XDM Message Format",
                             "Message has an absent or wrong ims org in the header")
    if "header" in doc or "body" in doc:
        schema = _get(doc, "header", "schemaRef", "id")
        if schema not in (DATASET_SCHEMA, OTHER_SCHEMA):
            # [FAILED] appendix "Missing XDM schema": schemaRef missing (or naming no schema).
            return 400, _problem(400, "Invalid XDM Message Format", "Message has unknown xdm format")
        if schema != DATASET_SCHEMA:
            # Not documented by Adobe with a body: the brief's "500 schema mismatch", with [API]'s
            # 500 meaning (the service failed to process the request) and the problem shape.
            return 500, {"type": PROBLEM, "status": 500, "title": "Internal Server Error",
                         "report": {"message": f"XDM schema {schema} does not match the dataset's "
                                               f"schema {DATASET_SCHEMA}"}}
        entity = _get(doc, "body", "xdmEntity") or {}
        stamp = entity.get("timestamp") if isinstance(entity, dict) else None
        if stamp is not None and not (isinstance(stamp, str) and _DATE_TIME.match(stamp)):
            # [VALID] synchronous validation: "Message is invalid" with the violation.
            return 400, _problem(400, "Invalid XDM Message Format", "Message is invalid", cause={
                "_streamingValidation": [{"schemaLocation": "#/properties/timestamp",
                                          "pointerToViolation": "#/timestamp",
                                          "message": f"[{stamp}] is not a valid date-time."}]})
    else:
        flow = headers.get("x-adobe-flow-id") or (query.split("x-adobe-flow-id=")[1].split("&")[0]
                                                  if "x-adobe-flow-id=" in query else None)
        if flow != FLOW_ID:
            # Raw JSON without its dataflow carries no schema: [FAILED]'s "unknown xdm format".
            return 400, _problem(400, "Invalid XDM Message Format", "Message has unknown xdm format")
    now = int(time.time() * 1000)
    # [RECORD] / [TROUBLE]: a successful single message answers 200 with its xactionId.
    return 200, {"inletId": INLET_ID, "xactionId": f"{now}:2153:240", "receivedTimeMs": now}


def make_handler(b: InletBehaviour) -> type[BaseHTTPRequestHandler]:
    class Inlet(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self, status: int, doc: dict[str, Any] | None,
                    headers: dict[str, str] | None = None) -> None:
            body = json.dumps(doc).encode() if doc is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length <= 4 << 20 else b""
            with b.lock:
                if body.strip():
                    b.record_posts += 1
                    b.bodies.append(body)
                else:
                    b.empty_posts += 1
                unavailable = b.unavailable > 0
                if unavailable:
                    b.unavailable -= 1
            path, _, query = self.path.partition("?")
            headers = {k.lower(): v for k, v in self.headers.items()}
            if not b.allow_listed:
                # The brief's contract (not in Adobe's docs): a source IP off the allow-list is
                # refused with 403 and an empty body, before the inlet judges anything.
                return self._answer(403, None)
            if unavailable:
                # [API]: 503 Service Unavailable, with Retry-After (RFC 9110 §10.2.3).
                return self._answer(503, {"type": PROBLEM, "status": 503, "title": "Service Unavailable"},
                                    {"Retry-After": b.retry_after})
            if b.throttled:
                # [GUARD]: requests over the organisation's rate are refused with 429 Too Many
                # Requests and Retry-After (RFC 6585 §4).
                return self._answer(429, {"type": PROBLEM, "status": 429, "title": "Too Many Requests"},
                                    {"Retry-After": "30"})
            if path != f"/collection/{INLET_ID}":
                # Not documented by Adobe: an unknown inlet id as a plain 404 (what the tool must
                # treat as an unexpected answer).
                return self._answer(404, {"type": PROBLEM, "status": 404, "title": "Not Found"})
            auth = headers.get("authorization", "")
            if b.authenticated and auth != f"Bearer {TOKEN}":
                # [HTTP] appendix: missing or invalid/expired token → 401 with this body.
                return self._answer(401, {
                    "type": "https://ns.adobe.com/adobecloud/problem/data-collection-service-authorization",
                    "status": "401", "title": "Authorization",
                    "report": {"message": "[id] Ims service token is empty"}})
            if b.token_forbidden:
                # [API] 403: "the request was refused: insufficient permissions" (problem body).
                return self._answer(403, {"type": PROBLEM, "status": 403, "title": "Forbidden",
                                          "report": {"message": "Client is not allowed to write "
                                                                "to this inlet"}})
            if length > b.max_bytes:
                # [GUARD]: 1 MB per request → 413 Payload Too Large.
                return self._answer(413, {"type": PROBLEM, "status": 413, "title": "Payload Too Large"})
            try:
                doc = json.loads(body)
            except ValueError:
                # An empty or unparsable body is not a message: [FAILED]'s 400 Invalid XDM Message
                # Format (what the auth probe's empty POST earns once authenticated).
                return self._answer(400, _problem(400, "Invalid XDM Message Format", "Message is invalid"))
            if not isinstance(doc, dict):
                return self._answer(400, _problem(400, "Invalid XDM Message Format", "Message is invalid"))
            if isinstance(doc.get("messages"), list):
                # [TROUBLE]: a batch answers 207 with one entry per message.
                responses = []
                for item in doc["messages"]:
                    status, ans = judge(item, headers, query)
                    responses.append({"xactionId": ans["xactionId"]} if status == 200 else
                                     {"statusCode": status, "message": ans["report"]["message"]})
                return self._answer(207, {"inletId": INLET_ID, "batchId": "1565638336649:1750:244",
                                          "receivedTimeMs": int(time.time() * 1000),
                                          "responses": responses})
            status, ans = judge(doc, headers, query)
            return self._answer(status, ans)

    return Inlet


class InletPeer(HttpPeer):
    """The HTTPS inlet on 127.0.0.1:0, with its behaviour (``b``) and counters."""

    def __init__(self, cert: tuple[Path, Path]) -> None:
        self.b = InletBehaviour()
        super().__init__(make_handler(self.b), cert)

    def reset(self) -> None:
        fresh = InletBehaviour()
        for name in ("authenticated", "allow_listed", "token_forbidden", "throttled", "unavailable",
                     "retry_after", "max_bytes", "record_posts", "empty_posts"):
            setattr(self.b, name, getattr(fresh, name))
        self.b.bodies.clear()

    def collection_url(self, inlet_id: str = INLET_ID) -> str:
        return f"{self.url}/collection/{inlet_id}"
