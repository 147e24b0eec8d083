"""Every file the user names is read through one bounded reader: real hostile inputs.

A real FIFO (os.mkfifo), /dev/zero, /dev/null and a directory, given to each option that names a
file. Each run is a subprocess with a timeout, so a blocking open() fails the test instead of
hanging it; each must end with exit 2, one error line naming the option, and no traceback.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import asyncssh
import pytest

from sourcedoctor.connectors.sftp.hostkeys import HostKeyPolicy
from sourcedoctor.duckdb_connect import NO_EXTENSION_AUTOLOAD
from sourcedoctor.lake import Lake
from sourcedoctor.lake.errors import LakeError
from sourcedoctor.userfiles import UserFileError, iter_line_blocks, read_user_file
from tests.fixtures.keys import KeyFiles
from tests.support import require_binary

_ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "SD_PW": "x"}
_URL = "sftp://u@127.0.0.1:9/in"


def _sd(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # The timeout is the "never blocks" assertion: a FIFO opened for reading waits for a writer.
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True,
                          env=env or _ENV, timeout=60, stdin=subprocess.DEVNULL)


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture(params=["fifo", "dev_zero", "dev_null", "directory"])
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A path that is not a regular file (the real thing, not a mock)."""
    if request.param == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
        return str(path)
    if request.param == "directory":
        (tmp_path / "folder").mkdir()
        return str(tmp_path / "folder")
    return "/dev/zero" if request.param == "dev_zero" else "/dev/null"


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text("id,name\n1,a\n2,b\n")
    return path


# Each: (command builder, the field the error names). click refuses a directory for options
# declared dir_okay=False itself; that is still exit 2 with the option named.
Case = Callable[[str, Path], list[str]]
CASES: dict[str, tuple[Case, str]] = {
    "check --known-hosts": (
        lambda p, t: ["check", _URL, "--password-env", "SD_PW", "--known-hosts", p],
        "known_hosts"),
    "check --key": (lambda p, t: ["check", _URL, "--key", p], "key_path"),
    "key inspect FILE": (lambda p, t: ["key", "inspect", p], "FILE"),
    "ingest --map": (
        lambda p, t: ["ingest", str(_csv(t)), "--dataset", "d", "--map", p,
                      "--lake", str(t / "lake.duckdb")], "map"),
    "ingest --lake": (
        lambda p, t: ["ingest", str(_csv(t)), "--dataset", "d", "--lake", p], "lake"),
    "lake list --lake": (lambda p, t: ["lake", "list", "--lake", p], "lake"),
    "report show FILE": (lambda p, t: ["report", "show", p], "FILE"),
    "report diff OLD NEW": (lambda p, t: ["report", "diff", p, p], "OLD"),
    # The inventory's own rule (a .toml or .csv name) may speak first, naming the file.
    "fleet run FILE": (lambda p, t: ["fleet", "run", p, "--no-lake", "--no-prompt"], ""),
    "fleet diff OLD NEW": (lambda p, t: ["fleet", "diff", p, p], "OLD"),
    "check ftps:// --ca-bundle": (
        lambda p, t: ["check", "ftps://u@127.0.0.1:9/x", "--ca-bundle", p], "ca_bundle"),
    "check kafka:// --ca-bundle": (
        lambda p, t: ["check", "kafka://127.0.0.1:9", "--topic", "t", "--tls", "--ca-bundle", p],
        "ca_bundle"),
    "check s3:// --ca-bundle": (
        lambda p, t: ["check", "s3://b/x", "--endpoint-url", "https://127.0.0.1:9", "--ca-bundle", p],
        "ca_bundle"),
    "check inlet:// --ca-bundle": (
        lambda p, t: ["check", "inlet://127.0.0.1:9/collection/" + "a" * 64, "--ca-bundle", p],
        "ca_bundle"),
    "ingest postgresql:// --ca-bundle": (
        lambda p, t: ["ingest", "postgresql://u@127.0.0.1:9/db?table=t", "--dataset", "d",
                      "--lake", str(t / "lake.duckdb"), "--ca-bundle", p], "ca_bundle"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_non_regular_file_is_refused_without_blocking(case: str, hostile: str,
                                                      tmp_path: Path) -> None:
    build, field = CASES[case]
    run = _sd(*build(hostile, tmp_path))
    if case == "check --known-hosts" and hostile == "/dev/null":
        # Documented exception: /dev/null trusts nothing (ssh's UserKnownHostsFile=/dev/null).
        assert run.returncode == 1 and not _errors(run.stderr), run.stderr
        return
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    errors = _errors(run.stderr)
    if errors:
        assert len(errors) == 1 and errors[0].startswith(f"error: {field}"), run.stderr
    else:  # click's own check of a dir_okay=False option
        assert os.path.isdir(hostile) and "is a directory" in run.stderr
    assert not (tmp_path / "lake.duckdb").exists()  # nothing created on the way


@pytest.mark.parametrize("content", ["big", "not_pem"])
def test_a_ca_bundle_is_read_bounded_and_must_hold_a_pem_certificate(content: str,
                                                                      tmp_path: Path) -> None:
    """--ca-bundle is read by the one bounded reader before any TLS library gets the path
    (botocore, librdkafka and azure-core would read a 5 GB file, or fail on a DER one, alone)."""
    bundle = tmp_path / "ca.pem"
    with bundle.open("wb") as fh:
        if content == "big":
            fh.write(b"-----BEGIN CERTIFICATE-----\n")
            fh.truncate(5 << 20)  # sparse: st_size says 5 MiB, the cap counts bytes read
        else:
            fh.write(b"\x30\x82\x01\x0a" * 100)  # DER bytes, not PEM
    for argv in (["check", "s3://b/x", "--endpoint-url", "https://127.0.0.1:9"],
                 ["check", "ftps://u@127.0.0.1:9/x"]):
        run = _sd(*argv, "--ca-bundle", str(bundle))
        assert run.returncode == 2, run.stderr
        want = "larger than 4 MiB" if content == "big" else "holds no PEM certificate"
        assert _errors(run.stderr) and want in _errors(run.stderr)[0], run.stderr
        assert _errors(run.stderr)[0].startswith("error: ca_bundle:"), run.stderr


def test_reader_caps_bytes_while_reading_not_from_stat(tmp_path: Path) -> None:
    # st_size lies for devices (/dev/zero says 0); the cap counts what was actually read.
    big = tmp_path / "big.toml"
    with big.open("wb") as fh:
        fh.truncate(5 << 20)  # sparse
    with pytest.raises(UserFileError) as exc:
        read_user_file(big, "map", limit=1 << 20)
    assert exc.value.field == "map"
    assert read_user_file(big, "map", limit=5 << 20) == b"\0" * (5 << 20)


def test_oversized_mapping_and_report_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(70 << 20)  # past the report cap (64 MiB) and the mapping cap (1 MiB)
    run = _sd("report", "show", str(big))
    assert run.returncode == 2 and _errors(run.stderr)[0].startswith("error: FILE:")
    run = _sd("ingest", str(_csv(tmp_path)), "--dataset", "d", "--map", str(big),
              "--lake", str(tmp_path / "lake.duckdb"))
    assert run.returncode == 2 and _errors(run.stderr)[0].startswith("error: map:")


def test_bundle_inflating_past_the_report_cap_is_refused(tmp_path: Path) -> None:
    # A 70 KB zip whose report.json inflates to 70 MiB: counted while inflating, then refused.
    bomb = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("report.json", b" " * (70 << 20))
    assert bomb.stat().st_size < 1 << 20
    run = _sd("report", "show", str(bomb))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert _errors(run.stderr)[0].startswith("error: FILE:") and "too large" in run.stderr


def test_lines_over_the_line_cap_are_dropped_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "lines"
    path.write_bytes(b"short\n" + b"x" * 300_000 + b"\nlast\n")
    blocks = list(iter_line_blocks(path, "f", limit=1 << 20, line_limit=1024, block=4096))
    assert b"".join(blocks) == b"short\nlast\n"
    assert all(len(b) <= 4096 + 1024 for b in blocks)
    with pytest.raises(UserFileError):
        list(iter_line_blocks(path, "f", limit=100_000, line_limit=1024))


def test_streamed_known_hosts_matches_what_asyncssh_matches(tmp_path: Path,
                                                           keygen: Callable[..., KeyFiles]) -> None:
    # The filter only preselects lines; the verdict must equal asyncssh reading the whole file.
    keygen_bin = require_binary("ssh-keygen")
    keys = [keygen(name=f"k{i}").public_line.split()[:2] for i in range(5)]
    path = tmp_path / "known_hosts"
    path.write_text("\n".join([
        "# a comment naming target.example.net *",
        f"target.example.net {' '.join(keys[0])}",
        f"[target.example.net]:2222 {' '.join(keys[1])}",
        f"*.example.net,!other.example.net {' '.join(keys[2])}",
        f"192.0.2.7 {' '.join(keys[3])}",
        f"elsewhere.example.org {' '.join(keys[4])}",
    ]) + "\n")
    hashed = tmp_path / "known_hosts_hashed"
    hashed.write_text(path.read_text())
    subprocess.run([keygen_bin, "-H", "-f", str(hashed)], check=True, capture_output=True)
    assert "|1|" in hashed.read_text()
    for file in (path, hashed):
        whole = asyncssh.read_known_hosts(str(file))
        for host, addr, port in [("target.example.net", "192.0.2.7", 22),
                                 ("target.example.net", "192.0.2.9", 2222),
                                 ("other.example.net", "192.0.2.8", 22),
                                 ("nowhere.test", "198.51.100.1", 22)]:
            policy = HostKeyPolicy.build(host, addr, port, None, str(file))
            expected = whole.match(host, addr, port if port != 22 else None)[0]
            assert sorted(k.public_data for k in policy.trusted) == sorted(
                k.public_data for k in expected), (file.name, host, port)


def test_profiles_file_that_is_a_fifo_neither_blocks_nor_gets_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "profiles.json"
    os.mkfifo(fifo)
    script = textwrap.dedent(f"""
        from pathlib import Path
        from sourcedoctor.connectors.sftp.settings import SftpSettings
        from sourcedoctor.tui.profiles import ProfileStore
        store = ProfileStore(Path({str(fifo)!r}))
        assert store.names() == []
        try:
            store.save("p", SftpSettings(host="h", user="u"), "generic", 0.0)
        except ValueError as exc:
            print("refused:", exc)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("refused: profiles:")
    assert fifo.is_fifo()


# -- known_hosts: streamed, bounded memory -------------------------------------------------------

# The child's own peak (VmHWM, in kB): ru_maxrss of a forked-then-exec'd child starts from the
# parent's RSS, so under a big pytest process it measured pytest, not the reader.
_RSS_CHILD = textwrap.dedent("""
    import sys
    def peak():
        with open("/proc/self/status") as fh:
            return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:"))
    from sourcedoctor.connectors.sftp.hostkeys import HostKeyPolicy
    before = peak()
    policy = HostKeyPolicy.build("target.example.net", "192.0.2.7", 22, None, sys.argv[1])
    after = peak()
    print(len(policy.trusted), before // 1024, after // 1024, policy.load_error or "-")
""")


def _rss_child(path: Path) -> tuple[int, int, int, str]:
    run = subprocess.run([sys.executable, "-c", _RSS_CHILD, str(path)], capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr
    trusted, before, after, error = run.stdout.strip().split(" ", 3)
    return int(trusted), int(before), int(after), error


def test_200mb_known_hosts_is_streamed_in_bounded_memory(tmp_path: Path,
                                                         keygen: Callable[..., KeyFiles]) -> None:
    ours = keygen(name="host").public_line.split()[:2]
    other = keygen(name="other").public_line.split()[:2]
    block = "".join(f"h{i}.fleet.example.com {other[0]} {other[1]}\n" for i in range(10_000))
    path = tmp_path / "known_hosts"
    with path.open("w") as fh:
        fh.write(f"target.example.net {ours[0]} {ours[1]}\n")
        while fh.tell() < 200 << 20:
            fh.write(block)
    assert path.stat().st_size >= 200 << 20
    trusted, before, after, error = _rss_child(path)
    assert (trusted, error) == (1, "-")
    # Parsing the whole file held 463 MB for 200 MB; streamed, RSS stays near the interpreter's.
    assert after < 200, f"RSS {after} MiB (was {before} MiB before reading)"
    assert after - before < 64


def test_sparse_200mb_known_hosts_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    with path.open("wb") as fh:
        fh.truncate(200 << 20)  # one 200 MB "line" of NUL bytes
    trusted, before, after, error = _rss_child(path)
    assert (trusted, error) == (0, "-")
    assert after - before < 64


def test_fifo_as_known_hosts_through_the_api_does_not_block(tmp_path: Path) -> None:
    # The settings validator refuses it for the CLI; the policy itself must not block either.
    fifo = tmp_path / "known_hosts"
    os.mkfifo(fifo)
    trusted, _before, _after, error = _rss_child(fifo)
    assert trusted == 0 and "FIFO" in error


# -- the lake file -------------------------------------------------------------------------------

def test_missing_lake_is_named_and_not_created(tmp_path: Path) -> None:
    typo = tmp_path / "typo.duckdb"
    for args in (["list"], ["batches"], ["rejects"], ["show", "x"]):
        run = _sd("lake", *args, "--lake", str(typo))
        assert run.returncode == 2 and _errors(run.stderr) == [
            line for line in run.stderr.splitlines() if line]
        assert _errors(run.stderr)[0].startswith("error: lake:")
    assert not typo.exists()


def test_sqlite_file_as_lake_is_refused_and_nothing_is_fetched(tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    home = tmp_path / "home"
    home.mkdir()
    env = {**_ENV, "HOME": str(home)}
    for args in (["lake", "list", "--lake", str(db)],
                 ["ingest", str(_csv(tmp_path)), "--dataset", "d", "--lake", str(db)]):
        run = _sd(*args, env=env)
        assert run.returncode == 2 and "Traceback" not in run.stderr
        assert _errors(run.stderr)[0].startswith("error: lake:")
    assert not (home / ".duckdb").exists()  # no extension directory: nothing installed
    assert db.read_bytes().startswith(b"SQLite format 3\0")


def test_every_product_connection_has_extension_autoload_off(tmp_path: Path) -> None:
    lake = tmp_path / "lake.duckdb"
    with Lake(lake).connect() as con:
        settings = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('autoinstall_known_extensions', 'autoload_known_extensions', "
            "'allow_community_extensions')").fetchall())
    assert settings == {name: "false" for name in NO_EXTENSION_AUTOLOAD}
    # No module opens DuckDB any other way: duckdb.connect, or the module-level helpers that use
    # DuckDB's default connection (duckdb.sql, duckdb.read_csv...), would bypass the settings.
    src = Path(__file__).resolve().parents[2] / "src" / "sourcedoctor"
    other_way = re.compile(r"\bduckdb\.(connect|sql|query|execute|read_\w+|from_\w+|"
                           r"default_connection)\b")
    direct = [str(p.relative_to(src)) for p in src.rglob("*.py")
              if other_way.search(p.read_text(encoding="utf-8"))]
    assert direct == ["duckdb_connect.py"]


def test_even_duckdb_itself_would_not_fetch_the_sqlite_extension(tmp_path: Path) -> None:
    # Below our own magic-number check: DuckDB opening the SQLite file with our settings fails
    # at once instead of downloading sqlite_scanner.
    db = tmp_path / "crm.sqlite"
    sqlite3.connect(db).close()
    db.write_bytes(b"SQLite format 3\0" + b"\0" * 4080)
    script = textwrap.dedent(f"""
        import duckdb
        from sourcedoctor.duckdb_connect import connect_duckdb
        try:
            connect_duckdb({str(db)!r})
        except duckdb.Error as exc:
            print("refused")
    """)
    home = tmp_path / "home"
    home.mkdir()
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, env={**_ENV, "HOME": str(home)})
    assert run.stdout.strip() == "refused", run.stderr
    assert not list(home.rglob("*sqlite*"))


def test_a_non_duckdb_file_is_not_taken_for_a_lake(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 10)
    with pytest.raises(LakeError) as exc:
        Lake(notes).ingest(_csv(tmp_path), "d")
    assert exc.value.field == "lake"
    assert notes.read_text() == "not a database\n" * 10


@pytest.mark.parametrize("argv", [
    ["check", "postgresql://u@127.0.0.1:9/db?table=t", "--connection-string-stdin"],
    ["check", "azblob:///container/x", "--connection-string-stdin"],
    ["check", "sftp://u@127.0.0.1:9/x", "--password-stdin"],
], ids=["postgres connection string", "azblob connection string", "sftp password"])
@pytest.mark.parametrize("stdin", ["/dev/zero", "junk"])
def test_a_secret_on_stdin_is_read_bounded_and_must_be_text(argv: list[str], stdin: str,
                                                            tmp_path: Path) -> None:
    """Standard input is a file the user names too: ``< /dev/zero`` ends after 1 MiB, and bytes
    that are not UTF-8 are one usage error naming the option, not a UnicodeDecodeError."""
    source = Path(stdin)
    if stdin == "junk":
        source = tmp_path / "junk"
        source.write_bytes(b"\xff\xfe\x80 not text\n")
    with source.open("rb") as fh:
        run = subprocess.run(["sourcedoctor", *argv], capture_output=True, text=True, env=_ENV,
                             timeout=60, stdin=fh, check=False)
    assert run.returncode == 2, run.stderr
    errors = _errors(run.stderr)
    assert len(errors) == 1 and errors[0].startswith(f"error: {argv[-1]}:"), run.stderr
    assert ("more than 1 MiB" if stdin == "/dev/zero" else "not UTF-8") in errors[0], run.stderr
