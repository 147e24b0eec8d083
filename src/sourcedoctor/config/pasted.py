"""One rule for the slips of a pasted value: quotes around it, a line break or spaces at its ends.

A secret or URL usually reaches sourcedoctor through an environment variable or the app's form,
copied from a portal, a file or a shell. Three slips are common and each has its own fix, which a
parser's own complaint ("unknown key in segment 1", "control character U+000A") does not give:

- ``"…"`` / ``'…'`` (or typographic quotes) around the value: the quotes are part of the value
  (``X="\\"$CS\\""``, a line copied from a ``.env`` file with its quotes);
- a line break at the end (or start): ``echo`` into a file, a file read whole, ``$(cat f)`` keeps
  none but a ``read`` of a CRLF file keeps ``\\r``;
- spaces or tabs around it.

Every connector that takes pasted values (Azure Blob, Event Hubs …) asks :func:`paste_slip` first
and reports the slip with its fix; what is inside is judged only once the value is clean.
"""

from __future__ import annotations

from dataclasses import dataclass

_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u201d": "\u201d"}


@dataclass(frozen=True)
class PasteSlip:
    """What is wrong at the value's edges: ``kind`` is ``quotes``, ``line_break`` or ``spaces``;
    ``problem`` completes "the value …"; ``fix`` is the one step that repairs it."""

    kind: str
    problem: str
    fix: str


def paste_slip(value: str, what: str = "the value") -> PasteSlip | None:
    """The slip at the edges of ``value`` (``what`` names it in the fix), or None when clean.

    Line breaks are checked first (``"…"\\n`` is a line break to remove, then quotes)."""
    if value[-1:] in ("\n", "\r") or value[:1] in ("\n", "\r"):
        where = "end" if value[-1:] in ("\n", "\r") else "start"
        char = value[-1] if where == "end" else value[0]
        return PasteSlip(
            "line_break", f"has a line break at its {where} (U+{ord(char):04X})",
            f"Remove the {'trailing' if where == 'end' else 'leading'} line break from {what} "
            "(it came with the copy: e.g. export VAR=\"$(tr -d '\\r\\n' < file)\"; in the app, "
            "paste it again without it).")
    stripped = value.strip(" \t")
    if stripped != value:
        return PasteSlip("spaces", "has spaces around it",
                         f"Remove the spaces before and after {what}.")
    if len(value) >= 2 and _QUOTES.get(value[0]) == value[-1]:
        return PasteSlip("quotes", "is wrapped in quotes",
                         f"Remove the quotes around {what}: they were stored as part of it (e.g. "
                         "VAR='\"…\"' or a line copied from a .env file with its quotes).")
    return None


def without_slip(value: str) -> str:
    """``value`` with the slips :func:`paste_slip` names removed (to judge what is inside)."""
    body = value.strip()
    if len(body) >= 2 and _QUOTES.get(body[0]) == body[-1]:
        body = body[1:-1].strip()
    return body
