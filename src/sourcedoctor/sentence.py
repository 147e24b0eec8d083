"""Sentences of the tool's own that remember which values they quote.

A finding's summary or fix step is the tool's sentence with a few values filled in: a user name, a
host, a path, an error string from a library. Report writers must treat the two differently: the
sentence is never rewritten, while a quoted user or host becomes a pseudonym (``--redact-hosts``)
and quoted foreign text is masked where it repeats a secret. A :class:`Sentence` is an ordinary
``str`` (every reader, the TUI and the tests see the finished text) that also keeps its template
and its values, so the redaction layer can transform the values by name and fill the template
again — the words of the sentence itself are never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from string import Formatter
from typing import Any


class Sentence(str):
    """``template.format(**values)`` as a str, with ``template`` and ``values`` kept."""

    template: str
    values: Mapping[str, Any]

    def __new__(cls, template: str, values: Mapping[str, Any]) -> Sentence:
        self = super().__new__(cls, _fill(template, values))
        self.template = template
        self.values = dict(values)
        return self

    def refill(self, transform: Callable[[str, Any], Any]) -> str:
        """The sentence with each value replaced by ``transform(name, value)`` (a plain str)."""
        return _fill(self.template, {k: transform(k, v) for k, v in self.values.items()})

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (and deep copies) keep the template
        return (Sentence, (self.template, self.values))


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: Mapping[str, Any]) -> str:
    names = {name for _, name, _, _ in Formatter().parse(template) if name}
    if not names:
        return template
    return template.format_map(_Keep(values))


def say(template: str, **values: Any) -> Sentence:
    """A sentence of the tool's own: ``say("no such folder for user {user}", user=s.user)``.

    Placeholders without a value stay readable (``{name}``), as in the catalogue's fix templates.
    """
    return Sentence(template, values)
