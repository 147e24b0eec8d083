"""Foreign text made harmless for the medium it is shown in: terminal, Rich markup, Markdown, HTML.

File names, banners, shell noise, error texts and sample cells come from servers and files we do not
control. The engine keeps them as they are (the JSON report holds the real bytes); each writer passes
them through the escaper of its medium at the point where text meets that medium:

- :func:`for_terminal` shows control and invisible format characters as visible escapes
  (``\\x1b``, ``\\u202e``), so no escape sequence, OSC title, bell, carriage return or bidi override
  reaches a terminal or the TUI;
- :func:`for_markup` does that and also escapes Rich markup (``[bold red]`` stays literal);
- :func:`md_inline`, :func:`md_code` and :func:`md_fenced` keep a string one literal piece of Markdown
  (no headings, HTML, links, emphasis or table cells injected);
- :func:`for_html` escapes HTML (and shows control characters like the terminal does);
- :func:`json_safe` turns the same characters in serialised JSON into ``\\uXXXX`` escapes (the
  same data for a parser, nothing raw for a terminal, and lone surrogates from undecodable names
  can be written at all).

Only the standard library is imported here: the URL parser at the settings edge uses
:func:`first_unsafe_char` too.
"""

from __future__ import annotations

import re

#: Characters never shown raw: C0 controls, DEL, C1 controls (Unicode Cc); lone surrogates from
#: undecodable bytes (Cs: writing one to stdout would raise); line/paragraph separators (Zl, Zp);
#: invisible format characters (Cf) — bidi embeddings, overrides and isolates, zero-width
#: characters, the BOM, soft hyphen, interlinear annotations and tag characters. A test compares
#: this class with ``unicodedata`` over every code point, so a new Unicode version cannot slip by.
_UNSAFE_CLASS = (
    "\x00-\x1f\x7f-\x9f"
    "\ud800-\udfff"
    "\u2028\u2029"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
#: The same, but a tab and a newline pass (multi-line blocks: evidence, tracebacks, shell noise).
_UNSAFE_IN_BLOCK = re.compile(f"(?![\t\n])[{_UNSAFE_CLASS}]")

#: Markdown punctuation that can open inline syntax anywhere: code spans, emphasis, strikethrough,
#: links and images, raw HTML and autolinks, entities, table cells, and the backslash itself.
_MD_ALWAYS = re.compile(r"([\\`*~\[\]<&|])")
#: ``_`` only emphasises at a word edge (``known_hosts`` is safe as it is; ``_x_`` is not).
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
#: What opens a block at the start of a line (or of a list item's text): an ATX heading, a quote,
#: a bullet, a setext underline or thematic break, an ordered-list number (``1.`` but not ``0.1.0``).
_MD_START_MARK = re.compile(r"^(\s*)([-+=#>])")
_MD_START_NUMBER = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")

#: Short forms people know from code and logs.
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def escape_char(char: str) -> str:
    """The visible form of one unsafe character: ``\\n``, ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def first_unsafe_char(text: str) -> tuple[int, str] | None:
    """``(index, visible form)`` of the first control or invisible format character, or None."""
    match = _UNSAFE.search(text)
    return None if match is None else (match.start(), escape_char(match.group()))


def for_terminal(text: object, *, block: bool = False) -> str:
    """``text`` with every control and invisible format character shown as an escape.

    ``block=True`` keeps tabs and newlines (multi-line evidence); otherwise they are escaped too, so
    a one-line field stays one line. Printable text, including non-ASCII letters, is unchanged.
    """
    value = str(text)
    pattern = _UNSAFE_IN_BLOCK if block else _UNSAFE
    return pattern.sub(lambda m: escape_char(m.group()), value)


def for_markup(text: object, *, block: bool = False) -> str:
    """:func:`for_terminal`, then Rich markup escaping, for text inside a Rich markup string."""
    from rich.markup import escape

    return escape(for_terminal(text, block=block))


def md_inline(text: object) -> str:
    """One line of literal text inside Markdown (paragraph, list item, heading or table cell).

    Control characters (newlines included) become visible escapes, so nothing can start a new
    block; Markdown punctuation is backslash-escaped, so no emphasis, link, image, raw HTML, entity
    or code span forms; a leading ``#``, ``>``, ``-``, ``+``, ``=`` or ``1.`` cannot open a heading,
    quote, list or underline. Pipes are escaped too, so the same text is safe in a table cell.
    """
    escaped = _MD_ALWAYS.sub(r"\\\1", for_terminal(text))
    escaped = _MD_UNDERSCORE.sub(r"\\_", escaped)
    escaped = _MD_START_MARK.sub(r"\1\\\2", escaped)
    return _MD_START_NUMBER.sub(r"\1\\\2", escaped)


def md_code(text: object, *, table: bool = False) -> str:
    """Inline code that shows ``text`` literally: a fence longer than any backtick run inside.

    Code spans cannot hold a backslash escape, so control characters are shown as escapes first
    (a newline inside a code span would let the next line start a heading). In a table cell a pipe
    must still be written ``\\|`` (GitHub's table rule applies inside code spans too).
    """
    value = for_terminal(text)
    if table:
        value = value.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def md_fenced(text: object, lang: str = "") -> list[str]:
    """A fenced code block (as lines) longer than any backtick run inside it.

    Lines are kept; other control characters are shown as escapes (a fenced block is literal in
    Markdown, but not in the terminal a ticket may be read in).
    """
    value = for_terminal(text, block=True)
    longest = max((len(m) for m in re.findall(r"`{3,}", value)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", value.rstrip("\n"), fence]


def for_html(text: object, *, block: bool = False) -> str:
    """HTML-escaped text (quotes too, so it is safe in attributes), control characters shown."""
    from html import escape

    return escape(for_terminal(text, block=block), quote=True)


def json_safe(serialised: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with every control, format and
    lone surrogate character written as a ``\\uXXXX`` escape.

    Such characters only occur inside JSON strings, where the escape means the same character, so
    a parser reads the same data; a terminal showing the JSON sees no raw C1 control or bidi
    override, and a lone surrogate no longer makes writing fail.
    """
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code < 0x10000:
            return f"\\u{code:04x}"
        code -= 0x10000  # astral format characters (tags): a UTF-16 surrogate pair, as JSON wants
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return _UNSAFE_IN_BLOCK.sub(escape, serialised)
