"""`sourcedoctor preview` as a user runs it: a subprocess on local files and over SFTP."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sourcedoctor.connectors.sftp.demo.server import DemoServer, ServerOptions
from tests.fixtures.embedded import ThreadedServer

from . import files
from .conftest import PASSWORD, USER


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    import subprocess

    proc = subprocess.run(["sourcedoctor", "preview", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})
    return proc.returncode, proc.stdout, proc.stderr


def test_local_file_json(data_dir: Path) -> None:
    files.write(data_dir, "r.csv", b"a,b,c\n1,2,3\n4,5\n")
    rc, out, err = _run(str(data_dir / "r.csv"), "--format", "json", "--target", "aep")
    assert rc == 1, err
    doc = json.loads(out)
    assert doc["kind"] == "file"
    (sample,) = doc["samples"]
    assert [f["code"] for f in sample["findings"]] == ["data.csv_ragged"]
    assert sample["rows"] == [{"a": 1, "b": 2, "c": 3}]


def test_local_folder_text_ok(data_dir: Path) -> None:
    files.write(data_dir, "ok.csv", files.CSV)
    rc, out, err = _run(str(data_dir), "--rows", "2")
    assert rc == 0, err
    assert "name1" in out and "name2" in out and "name3" not in out  # the table is on stdout
    assert "ok.csv" in err


def test_usage_errors(data_dir: Path) -> None:
    rc, _, err = _run(str(data_dir), "--rows", "-1")
    assert rc == 2
    rc, _, err = _run("sftp://u@127.0.0.1:1/x", "--password-env", "NOPE_NOT_SET")
    assert rc == 2 and err.startswith("error: password:")


def test_sftp_preview(data_dir: Path, tmp_path: Path) -> None:
    files.write(data_dir, "a.jsonl", files.json_lines())
    files.write(data_dir, "b.json", json.dumps([{"id": 1}]))
    options = ServerOptions(users={USER: PASSWORD}, auth_methods=("password",))
    with ThreadedServer(DemoServer(options=options, root=data_dir)) as server:
        rc, out, err = _run(f"sftp://{USER}@127.0.0.1:{server.port}/", "--password-env", "PV_PW",
                            "--host-key-fingerprint", server.fingerprint, "--target", "aep",
                            "--format", "json", "--no-prompt", env={"PV_PW": PASSWORD})
    assert PASSWORD not in out + err
    doc = json.loads(out)
    assert "samples" in doc, err  # the diagnosis got as far as the folder
    assert [s["format"] for s in doc["samples"]] == ["json_lines", "json_array"]
    codes = [f["code"] for s in doc["samples"] for f in s["findings"]] + \
        [f["code"] for f in doc["findings"]]
    assert codes == ["data.json_multiline", "data.schema_mismatch"]
    assert rc == 1
