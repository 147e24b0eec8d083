"""What ``sourcedoctor check`` of a file source skips at start-up, and that the report loses nothing.

A loopback check lasts ~0.4 s, most of it the interpreter loading modules: the scan of every
package's entry points, the row types and the garbage collector's passes over the loaded modules
are left out of it (issue #10). Each skip is checked in a fresh interpreter, since the test process has loaded
everything already.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from importlib import metadata

import pytest

from tests.fixtures.fresh import python_output
from tests.fixtures.sshd import TEST_PASSWORD, USER


def test_a_built_in_connector_scans_no_entry_points_and_loads_no_row_types() -> None:
    out = python_output(
        "import sys\n"
        "from sourcedoctor import api, connectors\n"
        "s = api.sftp_settings('sftp://bob@example.com/in', password='x')\n"
        "api.redactor_for(s)\n"
        "api.reproduce_command(s, 'generic', 10.0)\n"
        "print(connectors._entry_points.cache_info().currsize,\n"
        "      'sourcedoctor.sources.rows' in sys.modules)\n"
        "from sourcedoctor.sources import rows\n"
        "print(api.RowSource is rows.RowSource, api.RowColumn is rows.Column)\n"
    )
    assert out.splitlines() == ["0 False", "True True"]


def test_the_program_pauses_the_collector_only_while_it_loads() -> None:
    out = python_output(
        "import gc, sys\n"
        "sys.argv[0] = '/usr/bin/sourcedoctor'\n"
        "from sourcedoctor import cli\n"
        "print(gc.isenabled())\n"
        "cli.startup_done()\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    assert out.splitlines() == ["False", "True True"]
    # Imported as a library, nothing changes.
    assert python_output("import gc\nfrom sourcedoctor import cli\nprint(gc.isenabled())\n") == "True\n"


@pytest.mark.sshd
def test_the_report_names_the_tools_though_they_are_gathered_beside_the_run(sshd) -> None:
    proc = subprocess.run(
        ["sourcedoctor", "check", f"sftp://{USER}@127.0.0.1:{sshd.port}/data", "--file",
         "customers.csv", "--host-key-fingerprint", ",".join(sshd.fingerprints.values()),
         "--password-env", "PW", "--format", "json"],
        capture_output=True, text=True, env={**os.environ, "PW": TEST_PASSWORD}, timeout=60,
        check=False)
    assert proc.returncode == 0, proc.stderr
    tool = json.loads(proc.stdout)["tool"]
    expected = {dist: metadata.version(dist) for dist in
                ("asyncssh", "cryptography", "dnspython", "duckdb", "paramiko", "textual")}
    assert {k: tool[k] for k in expected} == expected
    assert tool["platform"] == platform.platform()
    assert tool["python"] == sys.version.split()[0]


def test_the_platform_string_starts_no_process() -> None:
    """The report's platform string is ``platform.platform()``'s, without its ``uname -p``."""
    out = python_output(
        "import subprocess\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError(f'a process was started: {args}')\n"
        "subprocess.Popen = refuse\n"
        "from sourcedoctor.api import platform_string\n"
        "print(platform_string())\n")
    assert out.strip() == platform.platform()
