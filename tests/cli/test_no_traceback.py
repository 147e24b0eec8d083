"""Every command, fed hostile variants of its documented inputs, ends with a documented exit code
and never a traceback (issue 11 §8; docs/exit-codes.md).

The commands are listed from the click group — and ``check``/``preview``/``ingest`` once more per
installed connector, as the group derives them from the URL's scheme — and the variants are
derived from each parameter's declared type and name, so a command, connector or option added
later is covered without editing this file. Each command's baseline must itself run (exit 0 or 1),
so a variant's exit 2 is about the variant, not a broken baseline. Each invocation is a real
process (forked from this one, so the imports are paid once) with real devices, a real FIFO and a
real full disk (/dev/full) as inputs, outputs and standard input, killed if it hangs.

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

from sourcedoctor import connectors as registry
from sourcedoctor.cli import main
from sourcedoctor.exitcodes import ExitCode
from tests.fixtures.keys import make_key
from tests.fixtures.peers import RefusedPort

#: Exit codes each command may end with (docs/exit-codes.md); 3 is never allowed: it is a bug.
DEFAULT_CODES = frozenset({ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE, ExitCode.INTERRUPTED})
DOCUMENTED: dict[tuple[str, ...], frozenset[int]] = {
    ("report", "show"): frozenset({ExitCode.OK, ExitCode.USAGE, ExitCode.INTERRUPTED}),
    ("report", "convert"): frozenset({ExitCode.OK, ExitCode.USAGE, ExitCode.INTERRUPTED}),
    ("connectors",): frozenset({ExitCode.OK, ExitCode.USAGE, ExitCode.INTERRUPTED}),
    ("fleet", "history"): frozenset({ExitCode.OK, ExitCode.USAGE, ExitCode.INTERRUPTED}),
}
#: Seconds one invocation may take before it counts as a hang.
HANG = 60.0
#: Parameters whose hostile values would reach beyond this machine or wait for a human.
NOT_VARIED = {"help", "version", "resolver", "accept_new"}
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


#: Commands whose options the group derives from the URL's connector (cli/__init__.py).
BY_URL = ("check", "preview", "ingest")


@dataclass(frozen=True)
class Command:
    """One command to sweep: ``path`` are the words before its baseline; ``connector`` is set for a
    ``check|preview|ingest`` derived from a connector's URL scheme."""

    path: tuple[str, ...]
    cmd: click.Command
    connector: str | None = None
    scheme: str = ""

    @property
    def id(self) -> str:
        words = " ".join(self.path)
        return f"{words} {self.scheme}://" if self.connector else words


def connector_commands() -> Iterator[Command]:
    """``check|preview|ingest SCHEME://…`` of every installed connector but SFTP (whose options are
    the static commands' own), built the way the group builds them for a real command line."""
    ctx = click.Context(main)
    for name in registry.names():
        if name == "sftp":
            continue
        scheme = registry.get(name).schemes[0]
        for verb in BY_URL:
            _, cmd, _ = main.resolve_command(ctx, [verb, f"{scheme}://"])
            assert cmd is not None, (verb, name)
            yield Command((verb,), cmd, name, scheme)


def all_commands() -> list[Command]:
    static = [Command(path, cmd) for path, cmd in leaf_commands()]
    return sorted([*static, *connector_commands()], key=lambda c: c.id)


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
    fleet_result: Path
    refused_port: int
    made: int = 0

    @property
    def refused_url(self) -> str:
        return f"sftp://u@127.0.0.1:{self.refused_port}/x"

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

    def stdins(self) -> list[str]:
        """What standard input may be: endless zeros, bytes that are not UTF-8, nothing."""
        return ["/dev/zero", str(self.junk), os.devnull]


#: Environment variables the connector baselines name (a secret is never on the command line).
ENV = {
    "SD_T_SECRET": "s" * 40,
    # Azurite's published development account, pointed at the refused port.
    "SD_T_AZ": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcq"
               "FlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
               "BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1",
}

#: A valid command line per connector, every network step aimed at a refused local port (or, for
#: the settings-only connectors, nothing at all): the run ends in a diagnosis (exit 1).
CONNECTOR_BASE: dict[str, list[str]] = {
    "ftp": ["ftp://u@127.0.0.1:{port}/x", "--password-env", "SD_T_SECRET"],
    "s3": ["s3://bucket/x", "--endpoint-url", "http://127.0.0.1:{port}", "--access-key-id",
           "AKIAIOSFODNN7EXAMPLE", "--secret-access-key-env", "SD_T_SECRET", "--region", "us-east-1"],
    "azblob": ["azblob:///container/x", "--connection-string-env", "SD_T_AZ"],
    "postgres": ["postgresql://u@127.0.0.1:{port}/db?table=public.t", "--password-env", "SD_T_SECRET"],
    "mysql": ["mysql://u@127.0.0.1:{port}/db?table=t", "--password-env", "SD_T_SECRET"],
    "inlet": ["inlet://127.0.0.1:{port}/collection/" + "a" * 64],
    "kafka": ["kafka://127.0.0.1:{port}", "--topic", "t"],
    "kinesis": ["kinesis://s?region=us-east-1", "--endpoint-url", "http://127.0.0.1:{port}",
                "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-access-key-env", "SD_T_SECRET"],
    "eventhubs": ["eventhubs://my-namespace/hub", "--sas-key-name", "k", "--sas-key-env", "SD_T_SECRET"],
    "pubsub": ["pubsub://my-project-123/sub"],
}


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
    saved = {k: os.environ.get(k) for k in ENV}
    with RefusedPort() as refused:
        os.environ.update({k: v.format(port=refused.port) for k, v in ENV.items()})
        url = f"sftp://u@127.0.0.1:{refused.port}/x"
        fleet = root / "fleet.toml"
        fleet.write_text(f'[[connection]]\nname = "one"\nurl = "{url}"\n')
        result = root / "fleet-result.json"
        done = invoke(["fleet", "run", str(fleet), "--no-lake", "--no-prompt", "--timeout", "2",
                       "--format", "json", "--output", str(result)])
        assert done.code == 1 and result.is_file(), done.stderr
        lake = root / "lake.duckdb"
        done = invoke(["ingest", str(root / "data.csv"), "--dataset", "d", "--lake", str(lake)])
        assert done.code == 0, done.stderr
        done = invoke(["fleet", "run", str(fleet), "--lake", str(lake), "--no-prompt", "--timeout", "2"])
        assert done.code == 1, done.stderr  # the sweep is stored: `fleet history` has a row
        try:
            yield Inputs(root, fifo, folder, root / "empty", root / "junk", root / "deep.json",
                         root / "data.csv", report, key, lake, fleet, result, refused.port)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def baseline(command: Command, x: Inputs) -> list[str]:
    """A valid invocation each variant changes one parameter of (unknown commands: none)."""
    lake = ["--lake", str(x.lake)]
    if command.connector is not None:
        words = [w.format(port=x.refused_port) for w in CONNECTOR_BASE[command.connector]]
        extra = ["--dataset", "e", *lake] if command.path == ("ingest",) else []
        timeout = [] if command.connector in ("eventhubs", "pubsub") else ["--timeout", "2"]
        return [*words, *timeout, *extra]
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
        ("report", "convert"): [str(x.report), "--format", "md"],
        ("report", "diff"): [str(x.report), str(x.report)],
        ("fleet", "run"): [str(x.fleet), "--no-lake", "--no-prompt", "--timeout", "2"],
        ("fleet", "diff"): [str(x.fleet_result), str(x.fleet_result)],
        ("fleet", "history"): lake,
        ("demo",): ["--list-faults"],
        ("connectors",): [],
    }
    assert command.path in known, f"give {command.id!r} a baseline here"
    return list(known[command.path])


#: Names of string options that take a path of the user's (checked like click.Path ones).
_PATH_NAMES = {"key_path", "file", "old", "new", "known_hosts", "ca_bundle"}


def hostile_values(param: click.Parameter, x: Inputs, scheme: str = "sftp") -> list[str]:
    """Values a careless or hostile user gives this parameter, from its declared type and name."""
    name = param.name or ""
    kind = param.type
    if isinstance(kind, click.Choice):
        return ["nope"]
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):  # and ranges
        return ["nan", "inf", "-1", "99999999999999999999", "x"]
    if name in _OUTPUT_NAMES:
        return x.outputs()
    if isinstance(kind, click.Path) or name in _PATH_NAMES:
        return x.paths()
    if name == "sql":  # a read-only query: what would write, read files or fetch must be refused
        return ["DROP TABLE fleet_results", f"COPY (SELECT 1) TO '{x.fresh_missing()}'",
                "SELECT * FROM read_text('/dev/zero')", f"ATTACH '{x.fresh_missing()}' AS a",
                "INSTALL httpfs", "SET enable_external_access = true", "SELECT 1; SELECT 2",
                "SELECT * FROM range(100000000)", "SELECT '\x1b[2J'", ""]
    if name in {"url", "location", "source"}:
        paths = x.paths() if scheme == "sftp" else []  # a path picks the local command, not this one
        return [*paths, f"{scheme}://", f"{scheme}://u@[::1/x", f"{scheme}://u@127.0.0.1:99999/x",
                f"{scheme}://u@host\n/x", f"{scheme}://\x1b[2J\x1b]0;pwned\x07/x"]
    return ["", "\x1b[2J\x1b]0;pwned\x07", "a" * 4096]


def _swept_params(command: Command) -> list[click.Parameter]:
    """The parameters to vary: all of a static command's; of a connector's derived command its
    URL and its own options (the rest are the static command's, swept there)."""
    if command.connector is None:
        return list(command.cmd.params)
    static = main.get_command(click.Context(main), command.path[0])
    assert static is not None
    shared = {p.name for p in static.params if not isinstance(p, click.Argument)}
    return [p for p in command.cmd.params if p.name not in shared]


def variants(command: Command, x: Inputs) -> Iterator[tuple[list[str], str]]:
    """(argv, stdin) pairs: the baseline with one parameter hostile, or a secret read from a
    hostile standard input."""
    base = baseline(command, x)
    path = list(command.path)
    positional = [p for p in command.cmd.params if isinstance(p, click.Argument)]
    n_pos = 0
    while n_pos < len(base) and not base[n_pos].startswith("-"):
        n_pos += 1
    for param in _swept_params(command):
        opt = max(param.opts, key=len)
        if param.name in NOT_VARIED:
            continue
        if getattr(param, "is_flag", False):
            if opt.endswith("-stdin"):  # a secret from stdin: what if stdin never ends, or is junk?
                stdin_base = _without(base, opt.removesuffix("-stdin") + "-env")
                for stdin in x.stdins():
                    yield [*path, *stdin_base, opt], stdin
            continue
        for value in hostile_values(param, x, command.scheme or "sftp"):
            if isinstance(param, click.Argument):
                index = positional.index(param)
                if index >= n_pos:
                    continue  # an optional argument the baseline does not give
                yield [*path, *base[:index], value, *base[index + 1:]], os.devnull
            else:
                yield [*path, *base, opt, value], os.devnull
    if "key_path" in {p.name for p in command.cmd.params}:  # --key - reads the key from stdin
        for stdin in x.stdins():
            yield [*path, *base, "--key", "-"], stdin


def _without(argv: list[str], option: str) -> list[str]:
    """``argv`` without ``option`` and its value."""
    if option not in argv:
        return list(argv)
    i = argv.index(option)
    return argv[:i] + argv[i + 2:]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def invoke(argv: list[str], timeout: float = HANG, stdin: str = os.devnull) -> Result:
    """Run ``sourcedoctor ARGV`` in a forked process: stdin from ``stdin`` (a path), stdout and
    stderr in files (stdout is /dev/full when the argv asks for it via the ``>/dev/full``
    convention below)."""
    to_full = argv[-1:] == [">/dev/full"]
    argv = argv[:-1] if to_full else argv
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 99
            try:
                os.setpgid(0, 0)
                os.dup2(os.open(stdin, os.O_RDONLY), 0)
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


COMMANDS = all_commands()


def test_every_command_is_listed() -> None:
    ids = {c.id for c in COMMANDS}
    # The group lists every command (so the sweep below covers it), including nested ones, and
    # each connector's own check/preview/ingest.
    assert {"check", "report diff", "lake show", "key inspect", "fleet run", "connectors"} <= ids
    for name in registry.names():
        scheme = registry.get(name).schemes[0]
        if name != "sftp":
            assert {f"{verb} {scheme}://" for verb in BY_URL} <= ids


@pytest.mark.parametrize("command", COMMANDS, ids=[c.id for c in COMMANDS])
def test_hostile_inputs_end_in_a_documented_code_without_traceback(
        command: Command, inputs: Inputs) -> None:
    allowed = DOCUMENTED.get(command.path, DEFAULT_CODES)
    base = invoke([*command.path, *baseline(command, inputs)])
    # The baseline runs (0, or 1 for a diagnosis): a variant's 2 is then about the variant.
    assert base.code in (ExitCode.OK, ExitCode.FAILED), base.stderr
    assert "Traceback" not in base.stderr, base.stderr
    if command.connector is not None:  # the refused port's hint names this connector's protocol
        assert "SFTP is usually" not in base.stderr, base.stderr
    bad = []
    for argv, stdin in variants(command, inputs):
        result = invoke(argv, stdin=stdin)
        if result.code not in allowed or "Traceback" in result.stderr + result.stdout:
            bad.append(f"{argv!r} <{stdin} -> exit {result.code}\n{result.stderr[-2000:]}")
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


def test_the_real_program_exits_with_its_code_not_an_abort(inputs: Inputs) -> None:
    """The sweep above forks and leaves with os._exit; this runs the installed program, whose
    interpreter tears down: a background thread still inside DuckDB's C++ then aborted the
    process ("FATAL: exception not rethrown", exit 134) in 4 of 10 ``fleet run``s."""
    import subprocess

    argv = ["sourcedoctor", "fleet", "run", str(inputs.fleet), "--no-lake", "--no-prompt",
            "--timeout", "2"]
    codes = [subprocess.run(argv, capture_output=True, text=True, timeout=HANG,
                            stdin=subprocess.DEVNULL, check=False) for _ in range(10)]
    assert [c.returncode for c in codes] == [ExitCode.FAILED] * 10, [c.stderr for c in codes]
