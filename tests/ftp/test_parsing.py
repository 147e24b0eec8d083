"""Plain-data units: reply bounds, PASV/EPSV parsing, MLSD and LIST lines, URL forms."""

from __future__ import annotations

import pytest

from sourcedoctor.connectors import for_url
from sourcedoctor.connectors.ftp.checks.data_channel import parse_epsv, parse_pasv
from sourcedoctor.connectors.ftp.listing import parse_list, parse_mlsd
from sourcedoctor.connectors.ftp.settings import redacted_url
from sourcedoctor.connectors.ftp.wire import ReplyTooLong, parse_reply


def test_reply_parsing_single_multi_and_incomplete() -> None:
    assert parse_reply(b"220 ready\r\n").code == 220  # type: ignore[union-attr]
    multi = parse_reply(b"220-one\r\n two\r\n220 three\r\n")
    assert multi is not None and multi.lines == ("220-one", " two", "220 three")
    assert parse_reply(b"220-one\r\n") is None
    with pytest.raises(ValueError):
        parse_reply(b"SSH-2.0-OpenSSH\r\n")
    with pytest.raises(ReplyTooLong):
        parse_reply(b"220 " + b"x" * 9000)


def test_pasv_and_epsv_replies() -> None:
    assert parse_pasv("227 Entering Passive Mode (10,0,0,5,195,80).") == ("10.0.0.5", 50000)
    assert parse_pasv("227 Entering Passive Mode (300,0,0,5,195,80)") is None
    assert parse_epsv("229 Entering Extended Passive Mode (|||50001|)") == 50001
    assert parse_epsv("229 nothing") is None


def test_mlsd_and_list_lines() -> None:
    entry = parse_mlsd("in", "type=file;size=12;modify=20240101120000; a b.csv")
    assert entry is not None and (entry.path, entry.size, entry.kind) == ("in/a b.csv", 12, "file")
    assert parse_mlsd("in", "type=cdir; .") is None
    unix = parse_list("", "-rw-r--r--   1 ftp ftp        1234 Jan 01 12:00 data 2024.csv")
    assert unix is not None and (unix.name, unix.size, unix.kind) == ("data 2024.csv", 1234, "file")
    link = parse_list("in", "lrwxrwxrwx 1 u g 7 Mar  3  2023 latest -> 2024.csv")
    assert link is not None and (link.name, link.kind) == ("latest", "symlink")
    dos = parse_list("in", "01-15-24  09:30AM       <DIR>          archive")
    assert dos is not None and dos.kind == "dir" and dos.path == "in/archive"
    dos_file = parse_list("in", "01-15-24  09:30AM                 5120 sales.csv")
    assert dos_file is not None and dos_file.size == 5120
    assert parse_list("in", "total 12") is None


@pytest.mark.parametrize(("url", "mode", "port", "folder"), [
    ("ftp://u@h/in/daily", "none", 21, "in/daily"),
    ("ftps://u@h:2121//srv/in", "explicit", 2121, "/srv/in"),
    ("FTPS+IMPLICIT://u@h/", "implicit", 990, ""),
])
def test_url_forms(url: str, mode: str, port: int, folder: str) -> None:
    s = for_url(url).settings(url)
    assert (s.tls_mode, s.port, s.folder) == (mode, port, folder)  # type: ignore[attr-defined]
    assert for_url(redacted_url(s)).settings(redacted_url(s)) == s  # type: ignore[arg-type]


def test_platform_field_names_validate() -> None:
    s = for_url("ftp://h").settings(None, host="h", userName="u", folderPath="in", port=2121)
    assert (s.user, s.folder, s.port) == ("u", "in", 2121)  # type: ignore[attr-defined]
