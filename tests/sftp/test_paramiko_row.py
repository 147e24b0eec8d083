"""The compatibility matrix's paramiko row (connectors/sftp/paramiko_row).

Against real sshd servers: the row is the very row paramiko's own key exchange produces, for a
server paramiko can talk to and one it cannot; ``sourcedoctor check`` as a program reports it
negotiated. In fresh interpreters: paramiko loads without
``invoke``, also when two threads ask at once; the layer's warm-up loads it only when the layer
will open a connection for it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sourcedoctor.connectors.sftp import compat, paramiko_row
from tests.fixtures.keys import make_key
from tests.fixtures.sshd import USER, SshdServer

ONLY_CHACHA = {"Ciphers": "chacha20-poly1305@openssh.com"}  # paramiko has no chacha20


@pytest.mark.sshd
@pytest.mark.parametrize("options", [None, ONLY_CHACHA], ids=["default", "chacha20-only"])
async def test_row_is_paramikos_own_negotiation(sshd_factory, options) -> None:
    server = sshd_factory(options=options)
    row = await paramiko_row.negotiate("127.0.0.1", server.port, 10.0)
    here = compat.paramiko_negotiate("127.0.0.1", server.port, 10.0)
    assert row.method == here.method == "negotiated"
    assert row.agreed == here.agreed and row.label == here.label
    assert bool(row.error) == bool(here.error) == (options is not None)
    if options is not None:
        assert row.agreed["cipher"] is None and "cipher" in row.error.lower()


def _fresh(code: str) -> str:
    """What ``code`` prints in a new interpreter (nothing imported yet)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def test_paramiko_loads_without_invoke() -> None:
    out = _fresh("import sys; from sourcedoctor.connectors.sftp.paramiko_row import "
                 "import_paramiko; import_paramiko(); "
                 "print(sorted(m for m in ('paramiko', 'invoke') if m in sys.modules))")
    assert out == "['paramiko']"


def test_two_threads_loading_paramiko_at_once() -> None:
    """The run's background thread and the layer's worker thread may both ask: neither fails, and
    the temporary block on invoke is lifted exactly once (no KeyError, no blocked invoke left)."""
    out = _fresh(
        "import sys, threading\n"
        "from sourcedoctor.connectors.sftp.paramiko_row import import_paramiko\n"
        "errors, start = [], threading.Barrier(4)\n"
        "def load():\n"
        "    start.wait()\n"
        "    try:\n"
        "        import_paramiko(); import paramiko; paramiko.Transport\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=load) for _ in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(errors, 'invoke' in sys.modules)\n")
    assert out == "[] False"


@pytest.mark.parametrize(("max_connections", "loaded"), [(3, True), (1, False)])
def test_warm_up_loads_paramiko_only_when_the_layer_will_use_it(max_connections, loaded) -> None:
    out = _fresh(
        "import sys\n"
        "from sourcedoctor import api\n"
        "from sourcedoctor.connectors.sftp.checks.ssh_compat import CompatCheck\n"
        f"settings = api.sftp_settings('sftp://bob@127.0.0.1/in', password='x', "
        f"max_connections={max_connections})\n"
        "assert 'paramiko' not in sys.modules\n"
        "CompatCheck().warm_up(settings)\n"
        "print('paramiko' in sys.modules)\n")
    assert out == str(loaded)


@pytest.mark.sshd
def test_check_program_reports_a_negotiated_paramiko_row(sshd: SshdServer, tmp_path) -> None:
    key = make_key(tmp_path, type="ed25519")
    sshd.authorize(USER, key.public_line)
    known = sshd.write_known_hosts(tmp_path / "known_hosts")
    proc = subprocess.run(
        ["sourcedoctor", "check", f"sftp://{USER}@127.0.0.1:{sshd.port}/data", "--key",
         str(key.private), "--known-hosts", str(known), "--file", "customers.csv", "--format",
         "json", "--no-prompt"],
        capture_output=True, text=True, timeout=120, check=False)
    report = json.loads(proc.stdout)
    assert report["verdict"] == "pass", proc.stderr
    compat_check = next(c for c in report["checks"] if c["id"] == "ssh.compat")
    row = next(r for r in compat_check["facts"]["matrix"] if r["stack"] == "paramiko")
    assert row["method"] == "negotiated" and row["ok"] and row["agreed"]["kex"] != "?"
    assert compat.paramiko_negotiate("127.0.0.1", sshd.port, 10.0).agreed == row["agreed"]
