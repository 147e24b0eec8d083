"""What the Kafka layers say when the port is not a (reachable) Kafka listener: a tarpit, an HTTP
server, a connection reset, a TLS mismatch — real sockets, bounded in time."""

from __future__ import annotations

import time

from sourcedoctor.model import Status
from tests.conftest import Peers
from tests.fixtures.kafka_wire import sasl_listener
from tests.fixtures.peers import HTTP_REPLY
from tests.fixtures.tansu import TansuBroker
from tests.fixtures.tls import Certificates, HttpPeer
from tests.kafka.helpers import kafka, root_finding, run_plan

#: Silent and wrong peers wait out the budget: a short one keeps these tests fast.
FAST = 1.0


async def test_tarpit_port_is_no_kafka_answer_within_the_budget(peers: Peers) -> None:
    pit = peers.tarpit()
    t0 = time.monotonic()
    report, _ = await run_plan(kafka(f"kafka://127.0.0.1:{pit.port}/orders"), timeout=FAST)
    elapsed = time.monotonic() - t0
    root = root_finding(report)
    assert root is not None and root.code == "kafka.no_kafka_answer"
    assert elapsed < 2 * FAST + 1  # TCP, then one bounded wait: no hang, no retry storm
    assert pit.connections <= 3
    assert any("APIVERSION_QUERY" in line for line in root.evidence["client_states"])  # stuck there


async def test_http_answer_is_wrong_protocol(peers: Peers) -> None:
    http = peers.garbage(HTTP_REPLY)  # speaks HTTP at once, whatever is asked
    report, _ = await run_plan(kafka(f"kafka://127.0.0.1:{http.port}/orders"), timeout=FAST)
    root = root_finding(report)
    assert root is not None and root.code == "kafka.wrong_protocol"
    assert root.evidence["found"] == "http" and root.evidence["banner"].startswith("HTTP/")


async def test_connection_reset_is_no_kafka_answer(peers: Peers) -> None:
    rst = peers.closer(rst=True)
    report, _ = await run_plan(kafka(f"kafka://127.0.0.1:{rst.port}/orders"), timeout=FAST)
    assert report.root_cause is not None and report.root_cause.code == "kafka.no_kafka_answer"


async def test_tls_configured_on_a_plain_listener_fails_the_handshake(tansu: TansuBroker) -> None:
    report, _ = await run_plan(kafka(f"kafka+ssl://{tansu.bootstrap}/orders"), timeout=FAST)
    assert report.root_cause is not None and report.root_cause.code == "tls.handshake_failed"
    assert report.result("kafka.broker").status is Status.SKIP  # type: ignore[union-attr]


async def test_untrusted_certificate_is_named_by_the_shared_tls_layer(certs: Certificates) -> None:
    with HttpPeer(cert=certs.server("unknown_ca")) as peer:
        report, _ = await run_plan(kafka(f"kafka+ssl://127.0.0.1:{peer.port}/orders"), timeout=FAST)
    root = root_finding(report)
    assert root is not None and root.code == "tls.untrusted"
    assert root.evidence["certificate"]["issuer"]


async def test_trusted_certificate_passes_tls_then_the_broker_layer_judges(certs: Certificates) -> None:
    # A TLS endpoint that is not Kafka: the TLS layer passes with --ca-bundle, the broker layer
    # then finds no Kafka behind it (Tansu 0.6 cannot serve TLS, see tests/fixtures/tansu.py).
    with HttpPeer(cert=certs.server("good")) as peer:
        report, _ = await run_plan(kafka(f"kafka://127.0.0.1:{peer.port}/orders",
                                         ca_bundle=str(certs.ca_pem)), timeout=FAST)
    assert report.result("tls.handshake").status is Status.PASS  # type: ignore[union-attr]
    assert report.root_cause is not None and report.root_cause.code == "kafka.no_kafka_answer"


async def test_mechanism_not_offered_names_both_sides() -> None:
    # Tansu cannot give this answer (it echoes the client's mechanism): a Kafka-protocol peer
    # answers as a listener with sasl.enabled.mechanisms=SCRAM-SHA-512 (tests/fixtures/kafka_wire.py)
    with sasl_listener(("SCRAM-SHA-512",)) as peer:
        report, _ = await run_plan(kafka(f"kafka://127.0.0.1:{peer.port}/orders",
                                         sasl_mechanism="PLAIN", username="u", password="p"), timeout=FAST)
    root = root_finding(report)
    assert root is not None and root.code == "kafka.sasl_mechanism_not_offered"
    assert root.evidence["offered"] == ["SCRAM-SHA-512"] and root.evidence["configured"] == "PLAIN"
    assert "SCRAM-SHA-512" in root.fix[0] and "PLAIN" in root.fix[0]


async def test_http_server_port_is_named_fast() -> None:
    """A real HTTP server (the standard library's) on the port the user typed: named at once by
    the shared identification layer, not after the whole budget, and the user acts."""
    import http.server
    import threading

    from sourcedoctor.codes import USER

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        t0 = time.monotonic()
        report, _ = await run_plan(kafka(f"kafka://127.0.0.1:{server.server_address[1]}/orders"),
                                   timeout=10.0)
        elapsed = time.monotonic() - t0
    finally:
        server.shutdown()
        server.server_close()
    root = root_finding(report)
    assert root is not None and root.code == "kafka.wrong_protocol", report.codes
    assert root.evidence["found"] == "http" and root.audience == USER
    assert "an HTTP server" in root.summary and "not Kafka" in root.fix[0]
    assert elapsed < 4  # the 10 s budget is not waited out
