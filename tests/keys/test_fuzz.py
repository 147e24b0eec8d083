"""Property-based robustness: random and mutated key material never raises, always explains.

Runs under the hypothesis profile ``keyfuzz`` (registered here): no database, no deadline, a fixed
number of examples per test, KEYFUZZ_EXAMPLES (default 5,000; 4 tests = 20,000 per run). Measured on
the 2-core machine: ~600 examples per CPU-second, so KEYFUZZ_EXAMPLES=25000 (100,000 inputs) takes
~170 CPU-seconds; 100,000 within 60 s is not reachable in one run here.
"""

from __future__ import annotations

import base64
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sourcedoctor.keys import inspect_key
from sourcedoctor.keys.report import KeyReport

from .conftest import KeyFactory

_PER_TEST = int(os.environ.get("KEYFUZZ_EXAMPLES", "5000"))
settings.register_profile(
    "keyfuzz",
    max_examples=_PER_TEST,
    deadline=None,
    database=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
KEYFUZZ = settings.get_profile("keyfuzz")

# Cheap-to-load seeds (RSA loading validates the key, which is slow; one RSA seed keeps that path).
SEEDS = [
    "ed25519",
    "ed25519_enc",
    "rsa1024",
    "ecdsa384_pem",
    "ed25519_pkcs8",
    "ed25519_v2.ppk",
    "ed25519_v3_enc.ppk",
    "ed25519.pub",
    "cert",
    "sshcom",
    "pkcs8_enc",
    "ssh2_pub",
]


def _check(report: KeyReport) -> None:
    assert isinstance(report, KeyReport)
    assert report.findings or report.usable
    if not report.usable:
        assert any(f.severity.value >= 2 for f in report.findings)
    report.to_dict()


@st.composite
def _mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "dup"]))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "truncate":
            del data[pos:]
        else:
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 64))]
    return bytes(data)


@st.composite
def _inner_mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """Mutate the binary container inside the base64 body, then re-armour it (deep parsing)."""
    text = draw(st.sampled_from(seeds)).decode()
    lines = text.splitlines()
    body_idx = [i for i, line in enumerate(lines) if line and ":" not in line and "-----" not in line]
    raw = bytearray(base64.b64decode("".join(lines[i] for i in body_idx) + "=="))
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, max(0, len(raw) - 1)))
        if draw(st.booleans()):
            raw[pos : pos + 4] = draw(st.binary(min_size=4, max_size=4))
        else:
            raw[pos] = draw(st.integers(0, 255))
    body = base64.b64encode(bytes(raw)).decode()
    head = [line for line in lines[: body_idx[0]]]
    tail = [line for line in lines[body_idx[-1] + 1 :]]
    return "\n".join([*head, *[body[i : i + 64] for i in range(0, len(body), 64)], *tail, ""]).encode()


def test_fuzz_random_bytes() -> None:
    @KEYFUZZ
    @given(st.binary(max_size=1500))
    def run(data: bytes) -> None:
        _check(inspect_key(data))

    run()


def test_fuzz_random_text_with_markers() -> None:
    markers = st.sampled_from(
        [
            "-----BEGIN OPENSSH PRIVATE KEY-----\n",
            "-----END RSA PRIVATE KEY-----",
            "PuTTY-User-Key-File-3: ssh-ed25519\n",
            "ssh-ed25519 AAAA",
            "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n",
            "\\n",
            "\r\n",
            '"',
        ]
    )

    @KEYFUZZ
    @given(st.tuples(st.text(max_size=40), markers, st.text(max_size=200)).map("".join))
    def run(text: str) -> None:
        _check(inspect_key(text))

    run()


def test_fuzz_mutated_real_keys(keys: KeyFactory) -> None:
    seeds = [keys.data(name) for name in SEEDS]

    @KEYFUZZ
    @given(_mutated(seeds), st.sampled_from([None, "wrong pass"]))
    def run(data: bytes, passphrase: str | None) -> None:
        _check(inspect_key(data, passphrase=passphrase))

    run()


def test_fuzz_mutated_containers(keys: KeyFactory) -> None:
    seeds = [keys.data(name) for name in ("ed25519", "ed25519_enc", "ecdsa", "sshcom", "ed25519_pkcs8")]

    @KEYFUZZ
    @given(_inner_mutated(seeds))
    def run(data: bytes) -> None:
        _check(inspect_key(data))

    run()
