"""One rule for every output file: an existing file only with --force; never chmod what we did
not create; files holding key material are created 0600; a failed write leaves nothing behind."""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from sourcedoctor.config.secrets import Redactor
from sourcedoctor.lake import Lake
from sourcedoctor.outputs import OutputRefused, write_output
from sourcedoctor.report import write_report
from sourcedoctor.report.samples import failing_report
from tests.fixtures.keys import KeyFiles

_ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "SD_PW": "x"}
ORIGINAL = b"the user's own file\n"


def _sd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, env=_ENV,
                          timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture
def report_json(tmp_path: Path) -> Path:
    path = tmp_path / "saved.json"
    write_report(failing_report(), "json", Redactor(), path)
    return path


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    src = tmp_path / "customers.csv"
    src.write_text("id,email\n1,a@example.com\n2,b@example.com\n")
    path = tmp_path / "lake.duckdb"
    Lake(path).ingest(src, "customers")
    return path


Writer = Callable[[Path, Path, Path, KeyFiles], list[str]]
# Every command that writes a file the user names; each gets an existing file as its output.
WRITERS: dict[str, Writer] = {
    "lake export --csv": lambda out, lake, rep, key: [
        "lake", "export", "customers", "--csv", str(out), "--lake", str(lake)],
    "lake export --parquet": lambda out, lake, rep, key: [
        "lake", "export", "customers", "--parquet", str(out), "--lake", str(lake)],
    "report convert --output (md)": lambda out, lake, rep, key: [
        "report", "convert", str(rep), "--to", "md", "-o", str(out)],
    "report convert --output (bundle)": lambda out, lake, rep, key: [
        "report", "convert", str(rep), "--to", "bundle", "-o", str(out)],
    "check --output": lambda out, lake, rep, key: [
        "check", "sftp://u@127.0.0.1:9/in", "--password-env", "SD_PW", "--timeout", "1",
        "--format", "json", "--output", str(out)],
    "key inspect --emit --output": lambda out, lake, rep, key: [
        "key", "inspect", str(key.private), "--emit", "openssh", "--output", str(out)],
    "fleet run --output": lambda out, lake, rep, key: [
        "fleet", "run", str(_inventory(out.parent)), "--no-lake", "--no-prompt", "--timeout", "1",
        "--format", "json", "--output", str(out)],
    # Every connector's check is built by one function (cli/connector_check.py): one stands for all.
    "check ftp:// --output": lambda out, lake, rep, key: [
        "check", "ftp://u@127.0.0.1:9/in", "--password-env", "SD_PW", "--timeout", "1",
        "--format", "json", "--output", str(out)],
}


def _inventory(folder: Path) -> Path:
    path = folder / "fleet.toml"
    path.write_text('[[connection]]\nname = "one"\nurl = "sftp://u@127.0.0.1:9/in"\n')
    return path


def test_every_output_option_of_every_command_is_in_writers() -> None:
    """A command or connector added later with a file output cannot miss the rule's tests."""
    from tests.cli.test_no_traceback import _OUTPUT_NAMES, COMMANDS

    missing = []
    for command in COMMANDS:
        for param in command.cmd.params:
            if param.name not in _OUTPUT_NAMES:
                continue
            opt = max(param.opts, key=len)
            words = " ".join(command.path) + (" ftp://" if command.connector else "")
            if not any(k.startswith(words + " ") and opt.lstrip("-") in k for k in WRITERS):
                missing.append(f"{command.id} {opt}")
    assert not missing, missing


@pytest.fixture
def key(keygen: Callable[..., KeyFiles]) -> KeyFiles:
    return keygen(name="id_out")


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_existing_output_is_refused_without_force(writer: str, tmp_path: Path, lake: Path,
                                                 report_json: Path, key: KeyFiles) -> None:
    out = tmp_path / "existing.out"
    out.write_bytes(ORIGINAL)
    run = _sd(*WRITERS[writer](out, lake, report_json, key))
    assert run.returncode == 2, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "--force" in errors[0], run.stderr
    assert out.read_bytes() == ORIGINAL
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".sd-part-")) == []


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_force_replaces_an_existing_output(writer: str, tmp_path: Path, lake: Path,
                                          report_json: Path, key: KeyFiles) -> None:
    out = tmp_path / "existing.out"
    out.write_bytes(ORIGINAL)
    run = _sd(*WRITERS[writer](out, lake, report_json, key), "--force")
    assert run.returncode in (0, 1), run.stderr  # check/key may report a failing verdict
    assert "Traceback" not in run.stderr
    assert out.read_bytes() != ORIGINAL and out.stat().st_size > 0


def test_key_output_is_created_0600_even_over_a_readable_file(tmp_path: Path,
                                                              key: KeyFiles) -> None:
    out = tmp_path / "converted"
    run = _sd("key", "inspect", str(key.private), "--emit", "openssh", "--output", str(out))
    assert run.returncode == 0, run.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    world = tmp_path / "world-readable"
    world.write_bytes(ORIGINAL)
    world.chmod(0o644)
    run = _sd("key", "inspect", str(key.private), "--emit", "openssh", "--output", str(world),
              "--force")
    assert run.returncode == 0, run.stderr
    # Replaced by a file we created (0600): the key never sits in a 0644 file, even for a moment.
    assert stat.S_IMODE(world.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in world.read_bytes()


def test_force_keeps_a_private_reports_permissions(tmp_path: Path, report_json: Path) -> None:
    out = tmp_path / "private.md"
    out.write_bytes(ORIGINAL)
    out.chmod(0o600)
    run = _sd("report", "convert", str(report_json), "--to", "md", "-o", str(out), "--force")
    assert run.returncode == 0, run.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_bytes() != ORIGINAL


def test_force_on_a_device_writes_without_chmod(tmp_path: Path, key: KeyFiles,
                                               report_json: Path) -> None:
    before = os.stat("/dev/null")
    run = _sd("key", "inspect", str(key.private), "--emit", "openssh", "--output", "/dev/null",
              "--force")
    assert run.returncode == 0, run.stderr
    run = _sd("report", "convert", str(report_json), "--to", "md", "-o", "/dev/null", "--force")
    assert run.returncode == 0, run.stderr
    after = os.stat("/dev/null")
    assert (after.st_mode, after.st_uid, after.st_gid) == (
        before.st_mode, before.st_uid, before.st_gid)
    assert stat.S_ISCHR(after.st_mode)
    run = _sd("key", "inspect", str(key.private), "--emit", "openssh", "--output", "/dev/null")
    assert run.returncode == 2 and "--force" in run.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_device_is_one_line_exit_2(key: KeyFiles, report_json: Path) -> None:
    for args in (["key", "inspect", str(key.private), "--emit", "openssh", "--output",
                  "/dev/full", "--force"],
                 ["report", "convert", str(report_json), "--to", "md", "-o", "/dev/full",
                  "--force"]):
        run = _sd(*args)
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr
        errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, run.stderr


def test_a_fifo_without_reader_or_a_directory_is_refused_without_blocking(
    tmp_path: Path, report_json: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    run = _sd("report", "convert", str(report_json), "--to", "md", "-o", str(fifo), "--force")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert fifo.is_fifo()
    with pytest.raises(OutputRefused) as exc:
        write_output(tmp_path, b"x", "--output", force=True)
    assert exc.value.field == "--output"


def test_lake_export_keeps_the_extension_meaning(tmp_path: Path, lake: Path) -> None:
    # Written through a temporary file: DuckDB must still see ".csv.gz" and compress.
    out = tmp_path / "customers.csv.gz"
    run = _sd("lake", "export", "customers", "--csv", str(out), "--lake", str(lake))
    assert run.returncode == 0, run.stderr
    assert gzip.decompress(out.read_bytes()).startswith(b"id,email")


def test_lake_export_over_its_own_source_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "orig.csv"
    src.write_text("id,name\n1,a\n")
    lake = tmp_path / "lake.duckdb"
    Lake(lake).ingest(src, "orig")
    run = _sd("lake", "export", "orig", "--csv", str(src), "--lake", str(lake))
    assert run.returncode == 2 and run.stderr.startswith("error: --csv:")
    assert src.read_text() == "id,name\n1,a\n"


def test_check_refuses_an_existing_output_before_it_runs(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_bytes(ORIGINAL)
    run = _sd("check", "sftp://u@192.0.2.1:22/in", "--password-env", "SD_PW", "--timeout", "30",
              "--format", "json", "--output", str(out))
    # Refused at once: no connection to the (unroutable) host was attempted or waited for.
    assert run.returncode == 2 and run.stderr.startswith("error: --output:")
    assert out.read_bytes() == ORIGINAL
    run = _sd("check", "sftp://u@127.0.0.1:9/in", "--password-env", "SD_PW", "--timeout", "1",
              "--format", "json", "--output", str(tmp_path / "new.json"))
    assert json.loads((tmp_path / "new.json").read_text())["schema"].startswith(
        "sourcedoctor.report/")
