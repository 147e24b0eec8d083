"""JSON nested 100,000 deep, from a file, a pasted secret or a server's message, is malformed JSON
with a named reason — never a RecursionError crash (issue 11 §8).

CPython's parser raises RecursionError (not ValueError) past ~1,000 levels, so each ``except
ValueError`` around a parse let it through; :mod:`sourcedoctor.safejson` turns it into the
JSONDecodeError every caller already handles.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sourcedoctor import safejson
from sourcedoctor.connectors.kafka.records import decode_value
from sourcedoctor.connectors.pubsub.credentials import judge_key
from sourcedoctor.exitcodes import ExitCode

DEEP = "[" * 100_000 + "]" * 100_000


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    return subprocess.run(["sourcedoctor", *args], input=stdin.decode(),
                          capture_output=True, text=True, timeout=120, env=env, check=False)


def test_the_parser_itself_would_crash_and_safejson_does_not() -> None:
    import json

    with pytest.raises(RecursionError):  # the premise: what every caller used to get
        json.loads(DEEP)
    with pytest.raises(json.JSONDecodeError, match="nested too deeply"):
        safejson.loads(DEEP)
    with pytest.raises(json.JSONDecodeError, match="nested too deeply"):
        safejson.raw_decode("  " + DEEP, 2)


@pytest.mark.parametrize("layout", ["lines", "array", "object"])
def test_preview_and_ingest_of_deep_json_name_it(layout: str, tmp_path: Path) -> None:
    text = {"lines": '{"a": 1}\n{"a": ' + DEEP + "}\n", "array": DEEP,
            "object": '{"a": ' + DEEP + "}"}[layout]
    data = tmp_path / "deep.json"
    data.write_text(text)
    shown = run("preview", str(data))
    assert "Traceback" not in shown.stderr and "internal_error" not in shown.stderr, shown.stderr
    assert "nested too deeply" in " ".join(shown.stderr.split()), shown.stderr  # wrapped lines
    stored = run("ingest", str(data), "--dataset", "d", "--lake", str(tmp_path / "lake.duckdb"))
    # DuckDB may store it (its parser is not recursive) or refuse it; either way, said in a line.
    assert stored.returncode in (ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE), stored.stderr
    assert "Traceback" not in stored.stderr and "internal error" not in stored.stderr, stored.stderr


def test_a_kafka_message_nested_too_deep_is_text_not_a_crash() -> None:
    decoded = decode_value(DEEP.encode())
    assert decoded.kind == "text"  # not JSON the platform could read; shown as its text


def test_a_pasted_service_account_key_nested_too_deep_is_named() -> None:
    judged = judge_key('{"a": ' + DEEP + "}")
    assert any("nested too deeply" in p for p in judged.not_json), judged.not_json
    # and through the command line, from standard input
    result = run("check", "pubsub://my-project-123/sub", "--credentials-stdin",
                 stdin=('{"a": ' + "[" * 20_000 + "]" * 20_000 + "}").encode())  # under 64 KiB
    assert result.returncode == ExitCode.FAILED, result.stderr
    assert "Traceback" not in result.stderr and "internal" not in result.stderr, result.stderr
