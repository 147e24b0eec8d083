"""Names chosen by a server reach every medium neutralised (issue 11 §6), for the connectors added
after SFTP: an object key on a real S3 server (moto), a file name on a real FTP server
(pyftpdlib), and a column name and cell in the machine's PostgreSQL, each carrying a
screen-clearing escape, an OSC title sequence, Markdown emphasis and an HTML tag. The file is
ragged, so its name is in a finding's summary — the text every medium prints. (SFTP's own test:
tests/sftp/test_hostile_names.py; more table cells: tests/rows.)
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.fixtures.ftpd import PASSWORD, USER, FtpServer
from tests.fixtures.moto import MotoServer
from tests.fixtures.tls import Certificates

#: No line break: neither FTP's LIST lines nor moto's server can carry one (SFTP's test does).
EVIL = "a\x1b[2J\x1b]0;pwned\x07 **ALL GOOD** <img src=x onerror=alert(1)>.csv"
RAGGED = b"a,b\n1\n1,2,3\n"


@dataclass
class Source:
    url: str
    args: list[str]
    env: dict[str, str]


@pytest.fixture(scope="module")
def ftp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    root = tmp_path_factory.mktemp("ftp-evil")
    (root / "evil").mkdir()
    (root / "evil" / EVIL).write_bytes(RAGGED)
    server = FtpServer(root, mode="plain").start()
    try:
        yield Source(f"ftp://{USER}@{server.host}:{server.port}/evil", ["--password-env", "SD_PW"],
                     {"SD_PW": PASSWORD})
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    certs = Certificates(tmp_path_factory.mktemp("s3-evil-tls"))
    with MotoServer(certs.server("good"), certs.ca_pem, tmp_path_factory.mktemp("moto-evil"),
                    checked=False) as moto:
        moto.client("s3").put_object(Bucket="data", Key="evil/" + EVIL, Body=RAGGED)
        keys = moto.keys["reader"]
        yield Source("s3://data/evil",
                     ["--endpoint-url", moto.endpoint, "--ca-bundle", str(certs.ca_pem),
                      "--region", "us-east-1", "--access-key-id", keys.access_key_id,
                      "--secret-access-key-env", "SD_SECRET"],
                     {"SD_SECRET": keys.secret_access_key})


def _run(source: Source, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(["sourcedoctor", *args[:1], source.url, *source.args, *args[1:]],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**env, "COLUMNS": "200", "NO_COLOR": "1", **source.env}, check=False)
    assert done.returncode == 1, done.stderr  # the ragged file fails the data layer
    return done.stdout + done.stderr


@pytest.fixture(params=["ftp", "s3"])
def source(request: pytest.FixtureRequest) -> Source:
    src: Source = request.getfixturevalue(request.param)
    return src


@pytest.mark.parametrize("verb", ["check", "preview"])
def test_text_shows_the_name_escaped_and_obeys_nothing(source: Source, verb: str) -> None:
    out = _run(source, verb)
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J" in out  # the name is still there, its control characters shown


def test_markdown_gains_no_emphasis_or_html(source: Source) -> None:
    out = _run(source, "check", "--format", "md")
    assert "\x1b" not in out
    # Inside a code fence (the evidence as JSON) text is literal; everywhere else it is escaped.
    prose = re.sub(r"(?ms)^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", "", out)
    assert "ALL GOOD" in prose and "**ALL GOOD**" not in prose  # escaped: \*\*ALL GOOD\*\*
    assert not re.search(r"(?<!\\)<img", prose), prose  # \<img renders as text


def test_html_escapes_the_tag(source: Source) -> None:
    out = _run(source, "check", "--format", "html")
    assert "\x1b" not in out and "<img" not in out and "&lt;img" in out


@pytest.fixture(scope="module")
def pg_table() -> Iterator[str]:
    """A database on the machine's PostgreSQL (127.0.0.1:5432, trust) whose table has a hostile
    column name and cell; dropped afterwards."""
    db = f"sd_hostile_{os.getpid()}"

    def psql(sql: str, database: str = "postgres") -> None:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-q",
                        "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True,
                       timeout=60)

    psql(f"CREATE DATABASE {db}")
    try:
        column = EVIL.replace('"', "")
        psql(f'CREATE TABLE public.evil ("{column}" text); '
             f"INSERT INTO public.evil VALUES ('{EVIL}')", db)
        yield f"postgresql://postgres@127.0.0.1:5432/{db}?table=public.evil"
    finally:
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


@pytest.mark.parametrize("fmt", ["preview", "text", "md", "html"])
def test_a_database_column_and_cell_reach_every_medium_neutralised(pg_table: str, fmt: str) -> None:
    argv = ["preview", pg_table] if fmt == "preview" else ["check", pg_table, "--format", fmt]
    done = subprocess.run(["sourcedoctor", *argv], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, check=False,
                          env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    assert done.returncode in (0, 1), done.stderr
    out = done.stdout + done.stderr
    assert "\x1b" not in out and "\x07" not in out
    if fmt == "preview":  # the header and the cell are shown, escaped
        assert out.count("\\x1b[2J") >= 2, out
    if fmt == "html":
        assert "<img" not in out
    if fmt == "md":
        prose = re.sub(r"(?ms)^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", "", out)
        assert not re.search(r"(?<!\\)<img", prose) and "**ALL GOOD**" not in prose, prose
