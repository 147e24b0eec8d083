"""Foreign text in every medium: escape sequences never reach a terminal, Markdown never gains a
heading, link, image or HTML it did not write, HTML stays escaped.

The Markdown is parsed with markdown-it (CommonMark plus GFM tables and strikethrough, as ticket
systems render it) and the HTML with the standard library's parser: the tests look at what a
renderer would build, not at the characters we hoped to write.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from sourcedoctor.codes import make_finding
from sourcedoctor.config.secrets import Redactor
from sourcedoctor.model import CheckResult, Report, RootCause, Status, Verdict
from sourcedoctor.report import to_html, to_markdown, to_text
from sourcedoctor.report.escape import (
    first_unsafe_char,
    for_html,
    for_markup,
    for_terminal,
    json_safe,
    md_code,
    md_fenced,
    md_inline,
)
from sourcedoctor.report.samples import failing_report

#: What servers have sent us in file names, banners and cells.
HOSTILE = [
    "a\x1b[2J\x1b[31mEVIL.csv",                                   # clear screen, red
    "title\x1b]0;pwned\x07.csv",                                  # OSC window title, BEL
    "csi\x9b2J.csv",                                              # 8-bit CSI (C1)
    "\n# Fake heading\n**ALL GOOD**\n",                           # Markdown block injection
    "<img src=x onerror=alert(1)>.csv",                           # raw HTML
    "[click](https://evil.example/) ![i](https://evil.example/i.png)",
    "| a | b |\n|---|---|\n| c | d |",                             # a table of its own
    "`code` ``more`` ```fence```",
    "report\u202etxt.exe",                                        # right-to-left override
    "zero\u200bwidth\ufeffbom\u2028line\u2029para",
    "back\\slash\r\roverwrite",
    "[bold red]markup[/] :smile:",
    "&#x202E;entity &amp; <b>bold</b>",
    "1. list\n- bullet\n> quote\n===\n---",
    "_em_ *strong* ~~strike~~ ~x~",
    "surrogate \udcff byte",
]


def _unsafe_by_unicodedata(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def test_unsafe_class_matches_unicodedata_for_every_code_point() -> None:
    """The hand-written class covers the Unicode categories it claims, in this Python's Unicode;
    anything more it holds is unassigned here (format characters of a later Unicode version)."""
    missed, extra = [], []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        ours = first_unsafe_char(char) is not None
        if ours and not _unsafe_by_unicodedata(char) and unicodedata.category(char) != "Cn":
            extra.append(f"U+{code:04X}")
        elif not ours and _unsafe_by_unicodedata(char):
            missed.append(f"U+{code:04X}")
    assert not missed and not extra, (missed[:20], extra[:20])


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_text_has_no_control_or_format_character(text: str) -> None:
    shown = for_terminal(text)
    assert first_unsafe_char(shown) is None
    shown.encode("utf-8")  # a lone surrogate would raise here (and on a terminal)
    block = for_terminal(text, block=True)
    assert all(not _unsafe_by_unicodedata(c) or c == "\n" for c in block)


def test_terminal_escapes_are_visible_and_printable_text_is_unchanged() -> None:
    assert for_terminal("a\x1b[2J\u202eb\n\t") == "a\\x1b[2J\\u202eb\\n\\t"
    assert for_terminal("a\nb\tc", block=True) == "a\nb\tc"
    assert for_terminal("Ünïcødé 日本語 ✓ plain") == "Ünïcødé 日本語 ✓ plain"
    assert first_unsafe_char("lab/go\nod") == (6, "\\n")


def test_rich_markup_is_not_obeyed() -> None:
    from rich.console import Console

    console = Console(record=True, width=200, color_system=None, force_terminal=False)
    console.print(for_markup("[bold red]x[/] \x1b[2J"))
    assert console.export_text().strip() == "[bold red]x[/] \\x1b[2J"


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _inline_kinds(tokens: list[Token]) -> set[str]:
    """The token types inside the inline runs (emphasis, links, HTML, code spans…)."""
    return {child.type for token in tokens for child in token.children or []}


#: Token types foreign text must never produce.
_INJECTED = {"heading_open", "html_block", "html_inline", "link_open", "image", "em_open",
             "strong_open", "s_open", "table_open", "blockquote_open", "bullet_list_open",
             "ordered_list_open", "hr", "code_inline", "fence", "code_block"}


@pytest.mark.parametrize("text", HOSTILE)
def test_md_inline_renders_as_one_plain_paragraph_with_the_same_text(text: str) -> None:
    tokens = _markdown().parse(md_inline(text))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert not _inline_kinds(tokens) & _INJECTED
    assert tokens[1].children is not None
    rendered = "".join(c.content for c in tokens[1].children if c.type == "text")
    assert rendered == for_terminal(text)  # what the reader sees is the text, controls shown


@pytest.mark.parametrize("text", HOSTILE)
def test_md_inline_in_a_list_item_and_table_cell_stays_in_place(text: str) -> None:
    doc = "\n".join([f"1. {md_inline(text)}", "", "| a | b |", "|---|---|",
                     f"| {md_inline(text)} | {md_code(text, table=True)} |", ""])
    tokens = _markdown().parse(doc)
    kinds = [t.type for t in tokens]
    assert kinds.count("ordered_list_open") == 1 and kinds.count("table_open") == 1
    assert kinds.count("td_open") == 2  # one row, two cells: no pipe split a cell
    assert not set(kinds) & (_INJECTED - {"ordered_list_open", "table_open"})
    assert not (_inline_kinds(tokens) - {"code_inline"}) & _INJECTED


@pytest.mark.parametrize("text", HOSTILE)
def test_md_code_and_fence_keep_text_literal(text: str) -> None:
    tokens = _markdown().parse(md_code(text))
    inline = tokens[1].children or []
    assert [c.type for c in inline] == ["code_inline"]
    assert inline[0].content == for_terminal(text).strip() or inline[0].content == for_terminal(text)
    fenced = _markdown().parse("\n".join(md_fenced(text, "text")) + "\n")
    assert [t.type for t in fenced] == ["fence"]
    assert fenced[0].content.rstrip("\n") == for_terminal(text, block=True).rstrip("\n")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


@pytest.mark.parametrize("text", HOSTILE)
def test_html_escaping(text: str) -> None:
    parser = _Tags()
    parser.feed(f'<p title="{for_html(text)}">{for_html(text)}</p>')
    assert parser.tags == ["p"]
    assert first_unsafe_char(for_html(text, block=True).replace("\n", "")) is None


def test_json_safe_keeps_the_data_and_writes_nothing_raw() -> None:
    import json

    data = {"names": HOSTILE, "tag": "\U000e0041", HOSTILE[0]: 1}
    text = json_safe(json.dumps(data, indent=2, ensure_ascii=False))
    assert json.loads(text) == data
    assert first_unsafe_char(text.replace("\n", "")) is None
    text.encode("utf-8")  # the lone surrogate is an escape now, so this does not raise


def _hostile_report() -> Report:
    """The failing sample with a finding that quotes every hostile string."""
    base = failing_report()
    joined = " / ".join(HOSTILE)
    finding = make_finding(
        "data.encoding", f"file {HOSTILE[0]} is not UTF-8 {HOSTILE[3]}",
        evidence={"file": HOSTILE[0], "names": HOSTILE, "banner": joined, HOSTILE[4]: "key"},
        fix=[f"Re-export {name}" for name in HOSTILE], detail=joined)
    check = CheckResult("data.format", HOSTILE[11], Status.FAIL, 3, findings=(finding,),
                        facts={"first_files": HOSTILE}, traceback=HOSTILE[3])
    root = RootCause(finding.code, check.check_id, finding.summary, finding.fix, finding.audience)
    return replace(base, checks=(*base.checks, check), root_cause=root, verdict=Verdict.FAIL,
                   command=f"sourcedoctor check sftp://u@h/{HOSTILE[3]}")


def test_markdown_report_has_only_its_own_structure() -> None:
    report = _hostile_report()
    plain = failing_report()
    tokens = _markdown().parse(to_markdown(report, Redactor()))
    kinds = [t.type for t in tokens]
    plain_kinds = [t.type for t in _markdown().parse(to_markdown(plain, Redactor()))]
    # One more check in the details: its ### heading and its evidence list; nothing else gained a
    # heading or a block, whatever the strings held.
    added = {"heading_open": 1, "bullet_list_open": 1, "ordered_list_open": 1}
    for kind in ("heading_open", "bullet_list_open", "ordered_list_open", "table_open",
                 "blockquote_open", "hr", "html_block", "code_block"):
        assert kinds.count(kind) == plain_kinds.count(kind) + added.get(kind, 0), kind
    assert kinds.count("tr_open") == plain_kinds.count("tr_open") + 1  # the new check's row
    inline = _inline_kinds(tokens)
    assert not inline & {"link_open", "image", "s_open"}
    # The only inline HTML is the report's own footer.
    html_inline = [c.content for t in tokens for c in t.children or [] if c.type == "html_inline"]
    assert html_inline == ["<sub>", "</sub>"]
    assert "\x1b" not in to_markdown(report, Redactor())


def test_html_report_has_no_foreign_tag() -> None:
    parser = _Tags()
    html = to_html(_hostile_report(), Redactor())
    parser.feed(html)
    assert "img" not in parser.tags and "b" not in parser.tags
    assert "\x1b" not in html and "\u202e" not in html


def test_text_report_has_no_control_character() -> None:
    text = to_text(_hostile_report(), Redactor(), width=400)
    assert first_unsafe_char(text.replace("\n", "")) is None
    assert "[bold red]markup[/]" in text  # markup shown, not obeyed


def test_bundle_transcript_is_escaped_line_by_line() -> None:
    from sourcedoctor.report.bundle import bundle_members

    report = replace(_hostile_report(), extras={"transcript": HOSTILE})
    members = bundle_members(report, Redactor())
    transcript = members["transcript.txt"]
    assert transcript.count("\n") == len(HOSTILE)  # one line per transcript line, whatever it held
    assert first_unsafe_char(transcript.replace("\n", "")) is None
    for text in members.values():
        text.encode("utf-8")  # the zip writer encodes strictly: no lone surrogate survives
