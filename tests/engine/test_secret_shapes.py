"""The shape rules of the redactor: secrets typed after a label are masked, the prose that servers
and the tool itself write after the same labels is kept (a report must not lose words)."""

from __future__ import annotations

import pytest

from sourcedoctor.config.secrets import MASK, Redactor


@pytest.mark.parametrize("text", [
    "Access denied for user 'qa'@'127.0.0.1' (using password: YES)",  # MySQL's 1045, verbatim
    "Access denied for user 'qa'@'127.0.0.1' (using password: NO)",
    "Give the IMS access token: --token-env VAR (or --token-stdin)",  # the tool's own option
    "password: method not allowed",
    "the string reads PWD=, not Password= (PostgreSQL's spelling)",
    "token: none",
])
def test_prose_after_a_secret_label_is_kept(text: str) -> None:
    assert Redactor().text(text) == text


@pytest.mark.parametrize(("text", "masked"), [
    ("password: Hunter2", f"password: {MASK}"),
    ("password: SECRETWORD", f"password: {MASK}"),
    ("password=--looks-like-an-option", f"password={MASK}"),
    ("Password=(abc123", f"Password={MASK}"),
    ("token: s3cr3tValue", f"token: {MASK}"),
    ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz", f"Authorization: Bearer {MASK}"),
])
def test_secrets_after_a_label_are_masked(text: str, masked: str) -> None:
    assert Redactor().text(text) == masked
