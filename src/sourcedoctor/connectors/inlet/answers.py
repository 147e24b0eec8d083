"""The inlet's answers, decoded into findings.

The statuses and bodies are those Adobe documents for the streaming inlet (dcs.adobedc.net):
200 for one message and 207 for a batch, each message answered with an ``xactionId`` or a
``statusCode`` + ``message`` ("Streaming ingestion troubleshooting guide", "How do I parse the
response"); 400 problem documents titled "Invalid XDM Message Format" whose ``report.message`` ends
with "Message has unknown xdm format", "Message has an absent or wrong ims org in the header" or
"Message is invalid" ("Retrieving failed batches"/"Streaming validation"); 401 with "Ims service
token is empty" ("Create a streaming connection", appendix "Sending messages to an authenticated
streaming connection"). 403, 413, 429, 500 and 503 follow the platform API's general status codes.
"""

from __future__ import annotations

from typing import Any

from ...codes import make_finding
from ...model import Finding
from .client import InletAnswer, retry_after_s
from .settings import InletSettings
from .token import TOKEN_OPTION

_UNKNOWN_FORMAT = "unknown xdm format"
_WRONG_ORG = "absent or wrong ims org"


def _values(s: InletSettings) -> dict[str, Any]:
    return {"ims_org": (s.ims_org or "the inlet's organisation (…@AdobeOrg)").strip(),
            "url": s.inlet_url, "token_option": TOKEN_OPTION}


def unauthorized(answer: InletAnswer, s: InletSettings, evidence: dict[str, Any]) -> Finding:
    """A 401: no token sent (stream.token_missing), or the one sent was refused
    (stream.token_refused) — different fixes, so different codes."""
    said = answer.message() or "unauthorized"
    if s.token is None or not s.token.get_secret_value().strip():
        return make_finding("stream.token_missing", f"the inlet answered 401: {said} (no token was "
                            "given)", evidence={**evidence, "token_sent": False}, **_values(s))
    return make_finding("stream.token_refused", f"the inlet answered 401 to the token sent: {said}",
                        evidence={**evidence, "token_sent": True}, **_values(s))


def message_finding(status: int, message: str, s: InletSettings, evidence: dict[str, Any]
                    ) -> Finding | None:
    """The finding for one refused message (a 400 answer, or a failed entry of a 207)."""
    said = message.lower()
    if _UNKNOWN_FORMAT in said:
        return make_finding("stream.unknown_xdm_format", f"the inlet refused the message ({status}): "
                            f"{message}", evidence=evidence, **_values(s))
    if _WRONG_ORG in said:
        return make_finding("stream.ims_org_wrong", f"the inlet refused the message ({status}): "
                            f"{message}", evidence=evidence, **_values(s))
    if status == 400:
        return make_finding("stream.invalid_xdm", f"the inlet refused the message (400): {message}",
                            evidence=evidence, message=message[:200], **_values(s))
    return None


def probe_finding(answer: InletAnswer, s: InletSettings) -> Finding | None:
    """The finding for the auth probe's answer; None when authentication is not the problem."""
    ev = answer.evidence()
    if answer.status == 401:
        return unauthorized(answer, s, ev)
    if answer.status == 403:
        return forbidden(answer, s)
    if answer.status in (400, 200, 207):
        return None  # authenticated: only the empty body was refused (or ignored)
    return generic(answer, s, "the auth probe")


def forbidden(answer: InletAnswer, s: InletSettings) -> Finding:
    if not answer.body.strip():
        summary = ("the inlet answered 403 with an empty body: this machine's IP address is not "
                   "on the inlet's allow-list")
    else:
        summary = f"the inlet answered 403: {answer.message()}"
    return make_finding("stream.forbidden", summary,
                        evidence={**answer.evidence(), "empty_body": not answer.body.strip()},
                        **_values(s))


def generic(answer: InletAnswer, s: InletSettings, what: str) -> Finding:
    """429, 503, 500, 413 and anything undocumented."""
    ev = answer.evidence()
    status = answer.status
    if status == 429:
        after = retry_after_s(answer)
        return make_finding("stream.throttled", f"{what}: the inlet answered 429 Too Many Requests"
                            + (f" (Retry-After {after:g} s)" if after is not None else ""),
                            evidence=ev, retry_after=f"{after:g}" if after is not None else "a few",
                            **_values(s))
    if status == 503:
        tries = len(answer.retried) + 1
        return make_finding("stream.unavailable", f"{what}: the inlet answered 503 Service "
                            f"Unavailable ({tries} attempt{'s' if tries > 1 else ''})", evidence=ev,
                            **_values(s))
    if status == 413:
        return make_finding("stream.payload_too_large", f"{what}: the inlet answered 413 Payload "
                            "Too Large", evidence=ev, line="1", size=str(ev.get("sent_bytes", "?")))
    if status == 500 and "schema" in answer.message().lower():
        return make_finding("stream.schema_mismatch", f"{what}: the inlet answered 500: "
                            f"{answer.message()}", evidence=ev, **_values(s))
    said = answer.error or f"HTTP {status}: {answer.message()[:200] or '(empty body)'}"
    return make_finding("stream.unexpected_answer", f"{what}: {said}", evidence=ev, **_values(s))


def send_findings(answer: InletAnswer, s: InletSettings, sent_bytes: int
                  ) -> tuple[list[Finding], dict[str, Any]]:
    """Findings and facts of the one record sent."""
    ev = {**answer.evidence(), "sent_bytes": sent_bytes}
    facts: dict[str, Any] = {"status": answer.status}
    doc = answer.json
    if answer.status in (200, 207) and isinstance(doc, dict):
        facts.update({k: doc[k] for k in ("inletId", "batchId", "receivedTimeMs", "xactionId") if k in doc})
        failed = []
        for item in doc.get("responses") or []:
            if isinstance(item, dict) and item.get("xactionId"):
                facts.setdefault("xactionIds", []).append(item["xactionId"])
            elif isinstance(item, dict):
                failed.append(item)
        found = [f for item in failed if (f := message_finding(
            int(item.get("statusCode") or 400), str(item.get("message") or ""), s, ev)) is not None]
        if failed and not found:
            found = [generic(answer, s, "the record sent")]
        return found, facts
    if answer.status in (200, 207):
        return [], facts
    if answer.status == 400:
        f = message_finding(400, answer.message(), s, ev)
        return ([f] if f else []), facts
    if answer.status == 401:
        return [unauthorized(answer, s, ev)], facts
    if answer.status == 403:
        return [forbidden(answer, s)], facts
    finding = generic(answer, s, "the record sent")
    if finding.code == "stream.payload_too_large":
        finding = make_finding("stream.payload_too_large", finding.summary, evidence=ev, line="1",
                               size=str(sent_bytes))
    return [finding], facts
