"""The delimited sniffer's one DuckDB database per process gives what a database per sample gave.

Each sample alone in a fresh interpreter (so in a database of its own, as before the database was
shared) against the same samples all in one process, eight at a time in threads and each several
times: the results are identical, rejects and header judgements included, so no sample sees
another's tables.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sourcedoctor.preview import sample_bytes
from sourcedoctor.targets import AEP, GENERIC

SAMPLES: dict[str, bytes] = {
    "ok.csv": b"id,name,country\n1,Ada,GB\n2,Linus,FI\n3,Grace,US\n",
    "ragged.csv": b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n7,8,9\n",
    "nohdr.csv": b"1,2,3\n4,5,6\n7,8,9\n",
    "dup.csv": b"a,a,b\nx,1,2\ny,3,4\n",
    "typed.csv": b"when;amount;ok\n2024-01-02;1.5;true\n2024-02-03;2.25;false\n",
    "multi.txt": b"a||b||c\nx||2||3\ny||5||6\n",
    "quoted.csv": b'k,v\n1,"a, b"\n2,"c ""d"""\n3,\n',
}


def judged(name: str, target: str) -> dict[str, Any]:
    result = sample_bytes(SAMPLES[name], name=name, size=len(SAMPLES[name]),
                          target=AEP if target == "aep" else GENERIC)
    out: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(result), default=str))
    return out


def alone(name: str, target: str) -> dict[str, Any]:
    code = ("import json, sys; from tests.preview.test_shared_database import judged; "
            "print(json.dumps(judged(sys.argv[1], sys.argv[2])))")
    proc = subprocess.run([sys.executable, "-c", code, name, target], capture_output=True,
                          text=True, timeout=120, check=True)
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def test_side_by_side_samples_match_samples_alone() -> None:
    cases = [(name, target) for name in SAMPLES for target in ("generic", "aep")]
    expected = {case: alone(*case) for case in cases}
    assert any(r["findings"] for r in expected.values())  # the set exercises rejects and headers
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda case: (case, judged(*case)), cases * 4))
    for case, result in got:
        assert result == expected[case], case
