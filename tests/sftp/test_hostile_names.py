"""A real SFTP server (the embedded asyncssh one) holding files whose names and contents carry
terminal escape sequences, Markdown and HTML: ``check`` and ``preview`` run as a user runs them
(subprocesses), and nothing of it reaches the terminal, the Markdown or the HTML as anything but
text."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from sourcedoctor.connectors.sftp.demo.server import DemoServer, ServerOptions
from tests.fixtures.embedded import ThreadedServer

USER, PASSWORD = "hostile", "Hostile-Names-Pw-1"
#: name → content. Different columns, so the format check quotes the names in its finding.
FILES = {
    "a\x1b[2J\x1b[31mEVIL.csv": b"id,na\x1b]0;pwned\x07me\n1,\x1b[2Jx\n2,[bold red]y[/]\n",
    "\n# Fake heading\n**ALL GOOD** <img src=x onerror=alert(1)>.csv": b"id\n1\n2\n",
    "report\u202etxt.csv": b"id,other,third\n1,2,3\n",
}
#: Bytes that must never reach a terminal: ESC, BEL, CSI (C1, as UTF-8), a bidi override.
RAW = ["\x1b", "\x07", "\x9b", "\u202e"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    root = tmp_path_factory.mktemp("hostile-root")
    (root / "in").mkdir()
    for name, content in FILES.items():
        (root / "in" / name).write_bytes(content)
    options = ServerOptions(users={USER: PASSWORD}, auth_methods=("password",))
    with ThreadedServer(DemoServer(options=options, root=root)) as started:
        yield started


def run(server: DemoServer, command: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    url = f"sftp://{USER}@127.0.0.1:{server.port}/in"
    env = {**os.environ, "HOSTILE_PW": PASSWORD, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        ["sourcedoctor", command, url, "--password-env", "HOSTILE_PW", "--host-key-fingerprint",
         server.fingerprint, "--no-prompt", *args],
        capture_output=True, env=env, timeout=90, check=False)


def no_raw_controls(*streams: bytes) -> None:
    for stream in streams:
        text = stream.decode("utf-8")  # also proves no lone surrogate was written
        for char in RAW:
            assert char not in text, f"raw {char!r} reached the output"


def test_check_json_quotes_the_real_names(server: DemoServer) -> None:
    """The data keeps the real bytes (JSON escapes them); only the media escape."""
    proc = run(server, "check", "--format", "json")
    report = json.loads(proc.stdout)
    files = report["checks"][[c["id"] for c in report["checks"]].index("sftp.folder")]["facts"]
    assert {name for name in files["first_files"]} == {f"/in/{n}" for n in FILES}


@pytest.mark.parametrize("target", ["generic", "aep"])
def test_check_text_shows_names_escaped(server: DemoServer, target: str) -> None:
    proc = run(server, "check", "--target", target)
    assert proc.returncode in (0, 1), proc.stderr  # generic warns (layouts differ), aep fails
    no_raw_controls(proc.stdout, proc.stderr)
    # The finding quotes a name, visibly escaped (aep's naming rule quotes the first name).
    assert b"a\\x1b[2J\\x1b[31mEVIL.csv" in proc.stderr or b"/in/\\n# Fake heading" in proc.stderr


def _markdown_tokens(text: str) -> list:  # type: ignore[type-arg]
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)


@pytest.mark.parametrize("target", ["generic", "aep"])
def test_check_markdown_gains_no_heading_or_html(server: DemoServer, target: str) -> None:
    proc = run(server, "check", "--target", target, "--format", "md")
    no_raw_controls(proc.stdout)
    tokens = _markdown_tokens(proc.stdout.decode())
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0].startswith("sourcedoctor report")
    assert not any("Fake heading" in h for h in headings), headings
    assert not any(t.type == "html_block" for t in tokens)
    html_inline = [c.content for t in tokens for c in t.children or [] if c.type == "html_inline"]
    assert html_inline == ["<sub>", "</sub>"]  # the report's own footer, nothing from the server
    assert not [c for t in tokens for c in t.children or [] if c.type in ("image", "link_open")]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def test_check_html_is_escaped(server: DemoServer) -> None:
    proc = run(server, "check", "--format", "html")
    no_raw_controls(proc.stdout)
    parser = _Tags()
    parser.feed(proc.stdout.decode())
    assert "img" not in parser.tags
    assert b"&lt;img src=x onerror=alert(1)&gt;" in proc.stdout


def test_preview_text_shows_names_and_cells_escaped(server: DemoServer) -> None:
    proc = run(server, "preview")
    no_raw_controls(proc.stdout, proc.stderr)
    out = proc.stdout.decode()
    assert "na\\x1b]0;pwned\\x07me" in out  # the header, OSC shown not obeyed
    assert "[bold red]y[/]" in out  # a cell's Rich markup shown, not applied
    assert "report\\u202etxt.csv" in proc.stderr.decode() + out


def test_report_show_of_the_saved_report_is_escaped(server: DemoServer, tmp_path: Path) -> None:
    saved = tmp_path / "r.json"
    run(server, "check", "--format", "json", "--output", str(saved))
    proc = subprocess.run(["sourcedoctor", "report", "show", str(saved)], capture_output=True,
                          timeout=60, check=False, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode in (0, 1), proc.stderr
    no_raw_controls(proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def undecodable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A server holding a file whose name is not UTF-8 (Latin-1 bytes, as old servers write)."""
    root = tmp_path_factory.mktemp("latin1-root")
    (root / "in").mkdir()
    with open(os.path.join(os.fsencode(root / "in"), b"caf\xe9-\xff.csv"), "wb") as fh:
        fh.write(b"id,name\n1,a\n2,b\n")
    options = ServerOptions(users={USER: PASSWORD}, auth_methods=("password",))
    with ThreadedServer(DemoServer(options=options, root=root)) as started:
        yield started


def test_a_file_name_that_is_not_utf8_is_read_and_shown_escaped(undecodable: DemoServer) -> None:
    name = os.fsdecode(b"caf\xe9-\xff.csv")  # the bytes as the listing carries them
    check = run(undecodable, "check", "--format", "json")
    assert check.returncode == 0, check.stderr.decode(errors="replace")
    report = json.loads(check.stdout)
    assert report["verdict"] == "pass"
    assert any(name in json.dumps(c["facts"], ensure_ascii=False) for c in report["checks"]
               if c["id"] == "sftp.files") or name in check.stdout.decode("utf-8", "surrogateescape")
    preview = run(undecodable, "preview")
    assert preview.returncode == 0, preview.stderr.decode(errors="replace")
    shown = (preview.stdout + preview.stderr).decode("utf-8")  # nothing undecodable was written
    assert "internal error" not in shown
    assert "caf\\udce9" in shown or "caf\\xe9" in shown
