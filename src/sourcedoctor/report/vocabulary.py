"""The tool's own words: what masking and pseudonyms never rewrite inside the tool's own text.

A secret or a user name can be an ordinary word — ``password``, ``key``, ``checks``, ``code``. Two
vocabularies decide what stays inside text sourcedoctor wrote itself (summaries, fix steps,
transcript lines, evidence values that are not foreign):

- :func:`own_words` spares **secrets**: every word of sourcedoctor's own source (its sentences,
  codes, ids, keys, setting names) and the verdict/status/severity labels. A secret never reaches
  the tool's text by construction, so where a secret equals one of these words, the word is the
  tool's; in foreign text it is masked.
- :func:`structure_words` spares **names** (``--redact-hosts``): only the report's structure —
  codes and their parts, check ids, JSON keys, field and setting names, labels. Names do appear in
  the tool's sentences (a saved report, a sentence that is not a
  :class:`~sourcedoctor.sentence.Sentence`), so a user called ``sftp`` or ``ingest`` is still
  replaced there; a user called ``checks`` or ``code`` never renames a key or a code.

The source is read once, on the first collision (a registered secret or name found in the tool's
text), so a normal run never pays for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"\w[\w.-]*")
_PARTS = re.compile(r"[._-]")
# The names the tool gives its fields: dict-literal keys ("server_kex": …) and keyword arguments
# (Outcome.of(..., addresses=…), make_finding(..., user=…)).
_FIELD_NAME = re.compile(r"""["']([A-Za-z_]\w*)["']\s*:|\b([a-z_][a-z0-9_]*)=(?!=)""")


def _words(tokens: Iterable[str]) -> set[str]:
    """Each token, and its parts split at dots, hyphens and underscores (auth.password_rejected →
    auth, password, rejected, password_rejected)."""
    out: set[str] = set()
    for token in tokens:
        token = token.rstrip(".-")
        out.add(token)
        out.update(p for p in _PARTS.split(token) if p)
        out.update(p for p in re.split(r"[.-]", token) if p)
    return out


@cache
def _source() -> str:
    package = Path(__file__).resolve().parent.parent
    # The demo's and the samples' made-up data (people, hosts) are not the tool's words.
    data = {package / "connectors" / "sftp" / "demo", package / "report" / "samples.py"}
    texts = []
    for path in [*package.rglob("*.py"), package / "report" / "schema.json"]:
        if data.intersection((path, *path.parents)):
            continue
        try:
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:  # an installation without sources still has the catalogue and labels
            continue
    return "\n".join(texts)


@cache
def _labels() -> frozenset[str]:
    from ..codes import CATALOGUE
    from ..model import Severity, Status, Verdict

    words = _words(CATALOGUE)
    words.update(s.label for s in Status)
    words.update(s.label for s in Severity)
    words.update(v.value for v in Verdict)
    return frozenset(words)


@cache
def own_words() -> frozenset[str]:
    """Every word of sourcedoctor's own source and report schema (demo and sample data aside)."""
    return frozenset(_words(_TOKEN.findall(_source()))) | _labels()


@cache
def _field_names() -> frozenset[str]:
    names = {a or b for a, b in _FIELD_NAME.findall(_source())}
    return frozenset(names) | _labels()


def _report_structure(value: Any, out: set[str], key: str = "") -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            out.add(str(k))
            _report_structure(v, out, str(k))
    elif isinstance(value, list):
        for v in value:
            _report_structure(v, out, key)
    elif isinstance(value, str) and key in ("id", "code", "check", "blocked_by"):
        out.update(_words([value]))


def structure_words(report: Mapping[str, Any]) -> frozenset[str]:
    """The report's structure: the tool's field names, codes and labels, plus this report's keys,
    check ids and codes (each with its parts)."""
    found: set[str] = set()
    _report_structure(report, found)
    return _field_names() | frozenset(found)


def is_own_word(text: str) -> bool:
    """Is ``text`` one of the tool's own words (so the tool may have written it itself)?"""
    return text in own_words()
