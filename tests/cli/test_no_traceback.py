"""Every command, fed hostile variants of its documented inputs, ends with a documented exit code
and never a traceback (issue 11 §8; docs/exit-codes.md).

The commands are listed from the click group, and the variants are derived from each parameter's
declared type, so a command or option added later is covered without editing this file. Each
invocation is a real process (forked from this one, so the imports are paid once) with real
devices, a real FIFO and a real full disk (/dev/full) as inputs and outputs, killed if it hangs.

Under pytest the CLI's top-level guard re-raises unexpected exceptions, so a bug shows up here as
the traceback it is, never hidden behind exit 3.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from sourcedoctor.cli import main
from sourcedoctor.exitcodes import ExitCode
from tests.fixtures.keys import make_key
from tests.fixtures.peers import RefusedPort

#: Exit codes each command may end with (docs/exit-codes.md); 3 is never allowed: it is a bug.
DEFAULT_CODES = frozenset({ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE, ExitCode.INTERRUPTED})
DOCUMENTED: dict[tuple[str, ...], frozenset[int]] = {
    ("report", "show"): frozenset({ExitCode.OK, ExitCode.USAGE, ExitCode.INTERRUPTED}),
    ("report", "convert"): frozenset({ExitCode.OK, ExitCode.USAGE, ExitCode.INTERRUPTED}),
}
#: Seconds one invocation may take before it counts as a hang.
HANG = 60.0
#: Parameters whose hostile values would reach beyond this machine or wait for a human.
NOT_VARIED = {"help", "version", "resolver", "password_stdin", "accept_new"}
_OUTPUT_NAMES = {"output", "csv_", "parquet", "csv"}


def leaf_commands(group: click.Group = main, prefix: tuple[str, ...] = ()
                  ) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every runnable command path (``("lake", "show")``...), as ``--help`` lists them."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        if isinstance(cmd, click.Group):
            yield from leaf_commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


@dataclass
class Inputs:
    """Real hostile files, plus valid ones the baselines need."""

    root: Path
    fifo: Path
    folder: Path
    empty: Path
    junk: Path
    deep: Path
    csv: Path
    report: Path
    key: Path
    lake: Path
    fleet: Path
    refused_url: str
    made: int = 0

    def fresh_missing(self) -> Path:
        """A path that does not exist yet (a command may create it, e.g. ``--lake MISSING``)."""
        self.made += 1
        return self.root / f"missing-{self.made}"

    def paths(self) -> list[str]:
        return [str(p) for p in (self.fresh_missing(), self.folder, self.fifo, Path("/dev/zero"),
                                 self.empty, self.junk, self.deep)]

    def outputs(self) -> list[str]:
        return ["/dev/full", str(self.fifo), str(self.folder),
                str(self.fresh_missing() / "x" / "out")]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inputs]:
    root = tmp_path_factory.mktemp("hostile")
    fifo = root / "fifo"
    os.mkfifo(fifo)
    folder = root / "folder"
    folder.mkdir()
    (root / "empty").write_bytes(b"")
    (root / "junk").write_bytes(bytes(range(256)) * 64)
    (root / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (root / "data.csv").write_text("id,name\n1,a\n2,b\n")
    report = root / "report.json"
    report.write_text((Path(__file__).parents[2] / "docs" / "samples" / "report.json").read_text())
    key = make_key(root / "keys").private
    with RefusedPort() as refused:
        url = f"sftp://u@127.0.0.1:{refused.port}/x"
        fleet = root / "fleet.toml"
        fleet.write_text(f'[[connection]]\nname = "one"\nurl = "{url}"\n')
        lake = root / "lake.duckdb"
        done = invoke(["ingest", str(root / "data.csv"), "--dataset", "d", "--lake", str(lake)])
        assert done.code == 0, done.stderr
        yield Inputs(root, fifo, folder, root / "empty", root / "junk",
                     root / "deep.json", root / "data.csv", report, key, lake, fleet, url)


def baseline(path: tuple[str, ...], x: Inputs) -> list[str]:
    """A valid invocation each variant changes one parameter of (unknown commands: none)."""
    lake = ["--lake", str(x.lake)]
    known: dict[tuple[str, ...], list[str]] = {
        ("check",): [x.refused_url, "--no-prompt", "--timeout", "2"],
        ("preview",): [str(x.csv)],
        ("ingest",): [str(x.csv), "--dataset", "e", *lake],
        ("key", "inspect"): [str(x.key)],
        ("lake", "list"): lake,
        ("lake", "show"): ["d", *lake],
        ("lake", "batches"): lake,
        ("lake", "rejects"): lake,
        ("lake", "export"): ["d", "--csv", str(x.root / "export.csv"), "--force", *lake],
        ("report", "show"): [str(x.report)],
        ("report", "convert"): [str(x.report), "--to", "md"],
        ("report", "diff"): [str(x.report), str(x.report)],
        ("fleet", "run"): [str(x.fleet), "--no-lake", "--no-prompt", "--timeout", "2"],
        ("fleet", "diff"): [str(x.report), str(x.report)],
        ("demo",): ["--list-faults"],
    }
    return list(known.get(path, []))


def hostile_values(param: click.Parameter, x: Inputs) -> list[str]:
    """Values a careless or hostile user gives this parameter, from its declared type."""
    name = param.name or ""
    kind = param.type
    if isinstance(kind, click.Choice):
        return ["nope"]
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):  # and ranges
        return ["nan", "inf", "-1", "99999999999999999999", "x"]
    if name in _OUTPUT_NAMES:
        return x.outputs()
    if isinstance(kind, click.Path) or name in {"key_path", "file", "old", "new", "known_hosts"}:
        return x.paths()
    if name in {"url", "location", "source"}:
        return [*x.paths(), "sftp://", "sftp://u@[::1/x", "sftp://u@127.0.0.1:99999/x",
                "sftp://u@host\n/x"]
    return ["", "\x1b[2J\x1b]0;pwned\x07", "a" * 4096]


def variants(path: tuple[str, ...], cmd: click.Command, x: Inputs) -> Iterator[list[str]]:
    base = baseline(path, x)
    positional = [p for p in cmd.params if isinstance(p, click.Argument)]
    n_pos = 0
    while n_pos < len(base) and not base[n_pos].startswith("-"):
        n_pos += 1
    for param in cmd.params:
        if param.name in NOT_VARIED or getattr(param, "is_flag", False):
            continue
        for value in hostile_values(param, x):
            if isinstance(param, click.Argument):
                index = positional.index(param)
                if index >= n_pos:
                    continue  # an optional argument the baseline does not give
                yield [*path, *base[:index], value, *base[index + 1:]]
            else:
                opt = max(param.opts, key=len)
                yield [*path, *base, opt, value]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def invoke(argv: list[str], timeout: float = HANG) -> Result:
    """Run ``sourcedoctor ARGV`` in a forked process: stdin /dev/null, stdout and stderr in files
    (stdout is /dev/full when the argv asks for it via the ``>/dev/full`` convention below)."""
    to_full = argv[-1:] == [">/dev/full"]
    argv = argv[:-1] if to_full else argv
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 99
            try:
                os.setpgid(0, 0)
                stdin = os.open(os.devnull, os.O_RDONLY)
                os.dup2(stdin, 0)
                os.dup2(os.open("/dev/full", os.O_WRONLY) if to_full else out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
                sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
                signal.signal(signal.SIGINT, signal.default_int_handler)
                main.main(args=argv, prog_name="sourcedoctor")
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                traceback.print_exc()
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                except BaseException:
                    traceback.print_exc(file=sys.__stderr__)
                os._exit(code)
        deadline = time.monotonic() + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"sourcedoctor {' '.join(map(repr, argv))} hung for {timeout:g} s")
            time.sleep(0.02)
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Result(code, out.read().decode("utf-8", "replace"),
                      err.read().decode("utf-8", "replace"))


COMMANDS = sorted(leaf_commands(), key=lambda pc: pc[0])


def test_every_command_is_listed() -> None:
    paths = {p for p, _ in COMMANDS}
    # The group lists every command (so the sweep below covers it), including nested ones.
    assert {("check",), ("report", "diff"), ("lake", "show"), ("key", "inspect")} <= paths


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_hostile_inputs_end_in_a_documented_code_without_traceback(
        path: tuple[str, ...], inputs: Inputs) -> None:
    cmd = dict(COMMANDS)[path]
    allowed = DOCUMENTED.get(path, DEFAULT_CODES)
    base = invoke([*path, *baseline(path, inputs)])
    assert "Traceback" not in base.stderr, base.stderr
    bad = []
    for argv in variants(path, cmd, inputs):
        result = invoke(argv)
        if result.code not in allowed or "Traceback" in result.stderr + result.stdout:
            bad.append(f"{argv!r} -> exit {result.code}\n{result.stderr[-2000:]}")
    assert not bad, "\n\n".join(bad)


@pytest.mark.parametrize("argv", [
    ["report", "diff", "{report}", "{report}"],
    ["report", "show", "{report}"],
    ["report", "convert", "{report}", "--to", "md"],
    ["key", "inspect", "{key}", "--emit", "public", "--stdout"],
    ["key", "inspect", "{key}", "--format", "json"],
    ["lake", "show", "d", "--lake", "{lake}"],
    ["preview", "{csv}", "--format", "json"],
], ids=lambda a: " ".join(a[:2]))
def test_stdout_on_a_full_disk_is_a_one_line_usage_error(argv: list[str], inputs: Inputs) -> None:
    values = {"report": inputs.report, "key": inputs.key, "lake": inputs.lake, "csv": inputs.csv}
    result = invoke([a.format(**values) for a in argv] + [">/dev/full"])
    assert result.code == ExitCode.USAGE, result.stderr
    assert "Traceback" not in result.stderr
    # One error line (a command's own report may precede it on stderr), not one per layer.
    assert sum(line.startswith("error:") for line in result.stderr.splitlines()) == 1, result.stderr


def test_specific_hostile_inputs_from_the_issue(inputs: Inputs) -> None:
    """The inputs issue 11 §8 found tracebacks for, each a usage error (2) naming its field."""
    root = inputs.root
    v0 = root / "v0.json"
    v0.write_text(json.dumps({"schema": "sourcedoctor.report/0", "verdict": "pass", "checks": []}))
    dx = root / "dx.json"
    data = json.loads(inputs.report.read_text())
    data["duration_ms"] = "x"
    dx.write_text(json.dumps(data))
    cases = {
        ("check", inputs.refused_url, "--format", "bundle", "--no-prompt"): "--output",
        ("check", inputs.refused_url, "--timeout", "nan", "--no-prompt"): "--timeout",
        ("report", "show", str(v0)): "schema",
        ("report", "show", str(inputs.deep)): "deep",
        ("report", "show", str(dx)): "duration_ms",
        ("report", "diff", str(dx), str(inputs.report)): "duration_ms",
        ("ingest", str(inputs.csv), "--dataset", "z", "--map", str(inputs.deep), "--lake",
         str(inputs.lake)): "map",
        ("lake", "show", "d", "--rows", "99999999999999999999", "--lake", str(inputs.lake)):
            "--rows",
        ("key", "inspect", str(inputs.key), "--emit", "public", "--output", "/dev/full",
         "--force"): "/dev/full",
    }
    for argv, field in cases.items():
        result = invoke(list(argv))
        assert result.code == ExitCode.USAGE, (argv, result.stderr)
        assert "Traceback" not in result.stderr and field in result.stderr, (argv, result.stderr)


def test_an_unexpected_exception_is_exit_3_with_a_traceback_id(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Outside tests and without SOURCEDOCTOR_DEBUG a bug is one line + an id + a saved file."""
    from sourcedoctor.cli import guard

    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv("SOURCEDOCTOR_DEBUG", raising=False)

    def buggy(*_: object, **__: object) -> None:
        raise KeyError("missing")  # the bug under test

    code = guard.run_guarded(buggy)
    line = capsys.readouterr().err.strip()
    assert code == ExitCode.INTERNAL
    assert "\n" not in line and "Traceback" not in line and "KeyError" in line
    assert "traceback id " in line
    saved = Path(line.split("traceback in ")[1].split(";")[0])
    try:
        assert "Traceback" in saved.read_text()
        assert oct(saved.stat().st_mode & 0o777) == "0o600"
    finally:
        saved.unlink()
    # Under pytest (or SOURCEDOCTOR_DEBUG=1) the same bug raises, so tests see it.
    monkeypatch.setenv("SOURCEDOCTOR_DEBUG", "1")
    with pytest.raises(KeyError):
        guard.run_guarded(buggy)


def test_ctrl_c_wrapped_by_python_inside_an_import_is_an_interrupt() -> None:
    """Ctrl+C while a command's module loads can surface as RuntimeError ("Error calling
    __set_name__", its cause the KeyboardInterrupt): exit 130, not a crash report."""
    from sourcedoctor.cli.guard import run_guarded
    from sourcedoctor.exitcodes import ExitCode

    def invoke(**_: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'Field' instance") from exc

    def bug(**_: object) -> None:
        raise RuntimeError("a real bug")

    assert run_guarded(invoke) == ExitCode.INTERRUPTED
    import pytest as _pytest

    with _pytest.raises(RuntimeError):  # under pytest a real bug is re-raised (debugging())
        run_guarded(bug)
