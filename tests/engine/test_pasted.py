"""The shared rule for pasted values (config/pasted.py): each slip named with its own fix."""

from __future__ import annotations

import pytest

from sourcedoctor.config.pasted import paste_slip, without_slip


@pytest.mark.parametrize(("value", "kind", "fix"), [
    ('"Endpoint=sb://x/;A=b"', "quotes", "Remove the quotes around the value"),
    ("\u201cabc\u201d", "quotes", "Remove the quotes"),
    ("https://a.example/c?sig=1\n", "line_break", "Remove the trailing line break"),
    ("abc\r\n", "line_break", "Remove the trailing line break"),
    ("\nabc", "line_break", "Remove the leading line break"),
    ("  abc ", "spaces", "Remove the spaces"),
])
def test_each_slip_is_named_with_its_fix(value: str, kind: str, fix: str) -> None:
    slip = paste_slip(value)
    assert slip is not None and slip.kind == kind
    assert slip.fix.startswith(fix)
    assert value.strip().strip('"\u201c\u201d') not in slip.problem + slip.fix  # never the value


def test_clean_values_and_inner_quotes_are_no_slip() -> None:
    assert paste_slip("Endpoint=sb://x/;Key=\"q\"") is None
    assert paste_slip("abc") is None and paste_slip("") is None
    assert without_slip(' "abc"\n') == "abc"
