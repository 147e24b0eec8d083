"""The inlet connector's layers against the local HTTPS inlet (tests/inlet/peer.py): every stream.*
code from the peer's documented answers or from local validation, a healthy control, and the
write counter proving a default run writes nothing and --send writes exactly one record."""

from __future__ import annotations

import json
from pathlib import Path

from sourcedoctor.model import Severity, Status
from tests.fixtures.tls import Certificates
from tests.inlet.helpers import (
    codes,
    findings,
    ims_token,
    inlet_settings,
    jwt,
    one,
    run_plan,
    status_of,
    write_lines,
    xdm,
)
from tests.inlet.peer import FLOW_ID, INLET_ID, ORG, OTHER_SCHEMA, TOKEN, InletPeer


async def test_healthy_dry_run_passes_and_writes_nothing(inlet: InletPeer, certs: Certificates,
                                                         tmp_path: Path) -> None:
    records = write_lines(tmp_path / "r.json", xdm(), xdm(_id="2"))
    report, state = await run_plan(inlet_settings(inlet, certs, file=str(records), ims_org=ORG))
    assert [f for f in findings(report) if f.severity >= Severity.WARN] == []
    assert status_of(report, "stream.auth") == Status.PASS
    send = report.result("stream.send")
    assert send is not None and send.status == Status.SKIP and send.facts["sent"] is False
    assert "nothing was sent" in send.facts["skipped"]
    assert inlet.b.record_posts == 0 and inlet.b.empty_posts == 1  # the probe only, no record
    assert state.records is not None and state.records.count == 2


async def test_send_writes_exactly_one_record_and_reads_the_xaction_id(
        inlet: InletPeer, certs: Certificates, tmp_path: Path) -> None:
    records = write_lines(tmp_path / "r.json", xdm(), xdm(_id="2"), xdm(_id="3"))
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(records), send=True))
    assert codes(report) == []
    sent = report.result("stream.send")
    assert sent is not None and sent.status == Status.PASS
    assert sent.facts["status"] == 200 and ":" in sent.facts["xactionId"]
    assert sent.facts["inletId"] == INLET_ID
    assert inlet.b.record_posts == 1
    assert json.loads(inlet.b.bodies[0])["body"]["xdmEntity"]["_id"] == "1"


async def test_authenticated_inlet_with_valid_token_passes(inlet: InletPeer, certs: Certificates) -> None:
    inlet.b.authenticated = True
    report, _ = await run_plan(inlet_settings(inlet, certs, token=TOKEN, authenticated=True))
    assert [f for f in findings(report) if f.severity >= Severity.WARN] == []


async def test_no_token_on_authenticated_inlet_is_token_missing(inlet: InletPeer,
                                                                 certs: Certificates) -> None:
    inlet.b.authenticated = True
    report, _ = await run_plan(inlet_settings(inlet, certs))
    f = one(report, "stream.token_missing")
    assert f.evidence["status"] == 401 and f.evidence["token_sent"] is False
    assert "Ims service token is empty" in f.summary
    assert any("--token-env" in step and "the Token field" in step for step in f.fix)


async def test_wrong_token_is_token_refused_and_never_shown(inlet: InletPeer, certs: Certificates) -> None:
    inlet.b.authenticated = True
    secret = "a-wrong-token-that-must-never-be-printed-42"
    report, _ = await run_plan(inlet_settings(inlet, certs, token=secret))
    # The token was sent and refused: not "send the Authorization header".
    f = one(report, "stream.token_refused")
    assert f.evidence["status"] == 401 and f.evidence["token_sent"] is True
    assert "stream.token_missing" not in codes(report)
    assert not any("Send the Authorization header" in step for step in f.fix)
    assert secret not in repr(report)  # not in any summary, evidence, fact or transcript line


async def test_expired_jwt_is_named_before_any_request(inlet: InletPeer, certs: Certificates) -> None:
    token = ims_token(age_s=2 * 86400)  # created two days ago, 24 h lifetime
    report, _ = await run_plan(inlet_settings(inlet, certs, token=token, authenticated=True))
    f = one(report, "stream.token_expired")
    assert "expires_at" in f.evidence
    assert status_of(report, "stream.auth") == Status.SKIP
    assert inlet.b.empty_posts == 0 and inlet.b.record_posts == 0  # no request at all


async def test_exp_claim_expiry_and_a_valid_jwt(inlet: InletPeer, certs: Certificates) -> None:
    import time

    expired = jwt(exp=int(time.time()) - 60)
    report, _ = await run_plan(inlet_settings(inlet, certs, token=expired))
    assert "stream.token_expired" in codes(report)
    fresh = ims_token(age_s=60)
    report, _ = await run_plan(inlet_settings(inlet, certs, token=fresh))
    token = report.result("stream.token")
    assert token is not None and token.status == Status.PASS and token.facts["expires_in_s"] > 80000


async def test_403_with_empty_body_is_the_allow_list(inlet: InletPeer, certs: Certificates) -> None:
    inlet.b.allow_listed = False
    report, _ = await run_plan(inlet_settings(inlet, certs))
    f = one(report, "stream.forbidden")
    assert f.evidence["empty_body"] is True and "allow-list" in f.summary
    assert any("allow-list" in step for step in f.fix)


async def test_403_with_a_problem_body_is_permissions(inlet: InletPeer, certs: Certificates) -> None:
    inlet.b.token_forbidden = True
    report, _ = await run_plan(inlet_settings(inlet, certs, token=TOKEN))
    f = one(report, "stream.forbidden")
    assert f.evidence["empty_body"] is False and "not allowed to write" in f.summary


async def test_inlet_id_with_trailing_space_is_config_before_any_traffic(
        inlet: InletPeer, certs: Certificates) -> None:
    report, _ = await run_plan(inlet_settings(inlet, certs, url=inlet.collection_url(INLET_ID + "%20")))
    f = one(report, "config.invalid")
    assert f.evidence["field"] == "inlet_url" and "spaces" in f.summary
    assert INLET_ID in f.fix[0]
    # The fix keeps the user's scheme, host and port (the peer is not on 443).
    assert f"{inlet.url}/collection/" in f.fix[0] and inlet.url.count(":") == 2
    assert status_of(report, "dns.resolve") == Status.SKIP
    assert inlet.b.empty_posts == 0


async def test_inlet_id_of_wrong_length_is_config(inlet: InletPeer, certs: Certificates) -> None:
    report, _ = await run_plan(inlet_settings(inlet, certs, url=inlet.collection_url(INLET_ID[:60])))
    assert "60 characters" in one(report, "config.invalid").summary


async def test_unknown_inlet_is_an_unexpected_answer(inlet: InletPeer, certs: Certificates) -> None:
    report, _ = await run_plan(inlet_settings(inlet, certs, url=inlet.collection_url("0" * 64)))
    f = one(report, "stream.unexpected_answer")
    assert f.evidence["status"] == 404


async def test_throttled_probe_reports_retry_after_without_retrying(inlet: InletPeer,
                                                                    certs: Certificates) -> None:
    inlet.b.throttled = True
    report, _ = await run_plan(inlet_settings(inlet, certs))
    f = one(report, "stream.throttled")
    assert f.evidence["retry-after"] == "30" and any("30 s" in step for step in f.fix)
    assert inlet.b.empty_posts == 1


async def test_503_is_retried_at_most_twice_then_reported(inlet: InletPeer, certs: Certificates) -> None:
    inlet.b.unavailable = 10
    report, _ = await run_plan(inlet_settings(inlet, certs))
    f = one(report, "stream.unavailable")
    assert f.evidence["earlier_statuses"] == [503, 503]
    assert inlet.b.empty_posts == 3


async def test_503_then_success_passes_after_a_retry(inlet: InletPeer, certs: Certificates) -> None:
    inlet.b.unavailable = 1
    report, _ = await run_plan(inlet_settings(inlet, certs))
    assert status_of(report, "stream.auth") == Status.PASS
    assert inlet.b.empty_posts == 2


async def test_tls_untrusted_without_the_ca_bundle(inlet: InletPeer, certs: Certificates) -> None:
    report, _ = await run_plan(inlet_settings(inlet, certs, ca_bundle=None))
    assert "tls.untrusted" in codes(report)
    assert status_of(report, "stream.auth") == Status.SKIP


async def test_oversized_record_is_refused_locally_and_never_sent(
        inlet: InletPeer, certs: Certificates, tmp_path: Path) -> None:
    big = xdm(note="x" * 1_100_000)
    records = write_lines(tmp_path / "r.json", xdm(), big)
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(records), send=True))
    f = one(report, "stream.payload_too_large")
    assert f.evidence["requests"][0]["line"] == 2 and f.evidence["requests"][0]["bytes"] > 1_000_000
    assert status_of(report, "stream.send") == Status.SKIP
    assert inlet.b.record_posts == 0


async def test_batch_document_over_1mb_is_one_request_too_large(
        inlet: InletPeer, certs: Certificates, tmp_path: Path) -> None:
    batch = {"messages": [xdm(_id=str(i), note="y" * 200_000) for i in range(6)]}
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(batch))
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(path)))
    assert one(report, "stream.payload_too_large").evidence["layout"] == "batch"


async def test_incomplete_envelope_is_named_with_its_line(inlet: InletPeer, certs: Certificates,
                                                          tmp_path: Path) -> None:
    broken = xdm()
    del broken["header"]["schemaRef"]["contentType"]
    del broken["body"]["xdmEntity"]
    records = write_lines(tmp_path / "r.json", xdm(), broken)
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(records)))
    f = one(report, "stream.xdm_envelope_incomplete")
    problems = f.evidence["messages"][0]
    assert problems["line"] == 2
    assert "header.schemaRef.contentType is missing" in problems["problems"]
    assert "body.xdmEntity is missing" in problems["problems"]


async def test_malformed_json_lines_give_line_numbers(inlet: InletPeer, certs: Certificates,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(xdm()) + "\n{\"broken\": \n" + json.dumps(xdm()) + "\n[1, 2]\n")
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(path)))
    found = [f for f in findings(report) if f.code == "data.json_invalid"]
    assert [e["line"] for e in found[0].evidence["errors"]] == [2]
    assert found[1].evidence["lines"] == [4]


async def test_raw_json_without_flow_id_warns_and_the_inlet_agrees(
        inlet: InletPeer, certs: Certificates, tmp_path: Path) -> None:
    records = write_lines(tmp_path / "raw.json", {"customer_id": "1", "email": "a@example.com"})
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(records), send=True))
    assert one(report, "stream.flow_id_missing").severity == Severity.WARN
    # The warning does not block the send: the inlet's own answer confirms it.
    assert one(report, "stream.unknown_xdm_format").evidence["status"] == 400
    assert inlet.b.record_posts == 1


async def test_raw_json_with_its_flow_id_is_accepted(inlet: InletPeer, certs: Certificates,
                                                     tmp_path: Path) -> None:
    records = write_lines(tmp_path / "raw.json", {"customer_id": "1"})
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(records), send=True,
                                              flow_id=FLOW_ID))
    assert codes(report) == []
    assert inlet.b.record_posts == 1


async def test_unknown_schema_is_the_platforms_unknown_xdm_format(
        inlet: InletPeer, certs: Certificates, tmp_path: Path) -> None:
    rec = xdm()
    for ref in (rec["header"]["schemaRef"], rec["body"]["xdmMeta"]["schemaRef"]):
        ref["id"] = "https://ns.adobe.com/acme/schemas/nope"
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(write_lines(tmp_path / "r.json", rec)),
                                              send=True))
    f = one(report, "stream.unknown_xdm_format")
    assert "Message has unknown xdm format" in f.summary


async def test_invalid_field_is_invalid_xdm_with_the_pointer(inlet: InletPeer, certs: Certificates,
                                                             tmp_path: Path) -> None:
    rec = xdm(timestamp="2018-00-23T22:07:01Z ")
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(write_lines(tmp_path / "r.json", rec)),
                                              send=True))
    f = one(report, "stream.invalid_xdm")
    assert "Message is invalid" in f.summary
    assert "#/timestamp" in json.dumps(f.evidence["body"])


async def test_wrong_org_header_is_ims_org_wrong_from_the_inlet(
        inlet: InletPeer, certs: Certificates, tmp_path: Path) -> None:
    rec = xdm()
    del rec["header"]["imsOrgId"]  # nothing to judge locally: the inlet judges the header
    report, _ = await run_plan(inlet_settings(
        inlet, certs, file=str(write_lines(tmp_path / "r.json", rec)), send=True,
        ims_org="0000000000000000000000AA@AdobeOrg"))
    assert "absent or wrong ims org" in one(report, "stream.ims_org_wrong").summary


async def test_envelope_org_differing_from_the_setting_is_caught_locally(
        inlet: InletPeer, certs: Certificates, tmp_path: Path) -> None:
    report, _ = await run_plan(inlet_settings(
        inlet, certs, file=str(write_lines(tmp_path / "r.json", xdm())),
        ims_org="0000000000000000000000AA@AdobeOrg"))
    f = one(report, "stream.ims_org_wrong")
    assert f.evidence["messages"][0]["imsOrgId"] == ORG
    assert inlet.b.record_posts == 0


async def test_other_schema_is_the_500_schema_mismatch(inlet: InletPeer, certs: Certificates,
                                                       tmp_path: Path) -> None:
    rec = xdm()
    for ref in (rec["header"]["schemaRef"], rec["body"]["xdmMeta"]["schemaRef"]):
        ref["id"] = OTHER_SCHEMA
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(write_lines(tmp_path / "r.json", rec)),
                                              send=True))
    assert one(report, "stream.schema_mismatch").evidence["status"] == 500


async def test_413_from_the_inlet_is_payload_too_large(inlet: InletPeer, certs: Certificates,
                                                       tmp_path: Path) -> None:
    """A proxy in front of the inlet with a smaller body limit (nginx-style 512 KB) answers 413 for
    a record that is within the platform's 1 MB: the inlet's own answer is what gets decoded."""
    inlet.b.max_bytes = 512_000
    records = write_lines(tmp_path / "r.json", xdm(note="z" * 700_000))
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(records), send=True))
    f = one(report, "stream.payload_too_large")
    assert f.evidence["status"] == 413 and f.evidence["sent_bytes"] > 700_000
    assert status_of(report, "stream.payload") == Status.PASS  # within 1 MB locally
    assert inlet.b.record_posts == 1


async def test_authenticated_without_token_is_no_credentials_before_any_request(
        inlet: InletPeer, certs: Certificates) -> None:
    report, _ = await run_plan(inlet_settings(inlet, certs, authenticated=True))
    assert any("--token-env" in step for step in one(report, "auth.no_credentials").fix)
    assert inlet.b.empty_posts == 0


async def test_token_pasted_with_bearer_prefix_warns_and_still_works(inlet: InletPeer,
                                                                     certs: Certificates) -> None:
    inlet.b.authenticated = True
    report, _ = await run_plan(inlet_settings(inlet, certs, token=f"Bearer {TOKEN}"))
    f = one(report, "stream.token_prefixed")
    assert f.severity == Severity.WARN and f.evidence["field"] == "token"
    assert "config.invalid" not in codes(report)
    assert status_of(report, "stream.auth") == Status.PASS


async def test_a_json_array_file_is_flagged_before_sending(inlet: InletPeer, certs: Certificates,
                                                           tmp_path: Path) -> None:
    records = tmp_path / "array.json"
    records.write_text(json.dumps([xdm(), xdm(_id="2")]))
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(records)))
    f = one(report, "stream.array_body")
    assert f.severity == Severity.WARN and f.evidence["records"] == 2
    assert any("batch" in step for step in f.fix)
    assert inlet.b.record_posts == 0  # judged locally, nothing was sent (no --send)
    # What the finding says about the inlet is what the peer does with an array body: 400.
    import asyncio
    import ssl
    import urllib.error
    import urllib.request

    def post() -> int:
        ctx = ssl.create_default_context(cafile=str(certs.ca_pem))
        req = urllib.request.Request(inlet.collection_url(), data=records.read_bytes(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=5):
                return 200
        except urllib.error.HTTPError as exc:
            return exc.code

    assert await asyncio.to_thread(post) == 400


async def test_message_findings_address_the_producer_of_messages(inlet: InletPeer,
                                                                 certs: Certificates,
                                                                 tmp_path: Path) -> None:
    records = tmp_path / "array.json"
    records.write_text(json.dumps([xdm()]))
    report, _ = await run_plan(inlet_settings(inlet, certs, file=str(records)))
    assert one(report, "stream.array_body").audience.startswith("whoever produces the messages")
