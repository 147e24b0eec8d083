"""Start-up (issue 10 §5): importing asyncssh through sourcedoctor runs no helper process.

asyncssh looks for liboqs and libnettle with ``ctypes.util.find_library``, which on Linux runs
``ldconfig``, ``gcc`` and ``ld`` (seven processes when liboqs is absent). The import hook in
``sourcedoctor.asyncssh_import`` answers those two lookups from the linker's directories instead;
the libraries it finds must be the ones ``find_library`` names.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import subprocess
import sys

from sourcedoctor.asyncssh_import import find_library_quickly

_PROBE = """
import json, subprocess
spawned = []
real = subprocess.Popen.__init__
def record(self, args, *a, **k):
    spawned.append(args if isinstance(args, str) else " ".join(map(str, args)))
    return real(self, args, *a, **k)
subprocess.Popen.__init__ = record
import sourcedoctor.cli.check  # the program's import order: the hook first, then asyncssh
from asyncssh.crypto import pq, umac
print(json.dumps({"spawned": spawned, "nettle": umac._nettle_lib,
                  "mlkem": pq.mlkem_available, "sntrup": pq.sntrup_available}))
"""


def _probe() -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         timeout=120, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_importing_the_check_command_spawns_no_process() -> None:
    assert _probe()["spawned"] == []


def test_the_quick_lookup_finds_what_find_library_finds() -> None:
    for name in ("c", "nettle", "ssl", "oqs"):
        slow = ctypes.util.find_library(name)  # the soname, e.g. libc.so.6, or None
        quick = find_library_quickly(name)
        if slow is None:
            assert quick is None, (name, quick)
        else:
            assert quick is not None and os.path.basename(quick) == slow, (name, quick, slow)


def test_asyncssh_features_stay_as_they_were() -> None:
    probed = _probe()
    nettle = ctypes.util.find_library("nettle")
    assert (probed["nettle"] is None) == (nettle is None)
    if nettle is not None:
        assert os.path.basename(str(probed["nettle"])) == nettle
