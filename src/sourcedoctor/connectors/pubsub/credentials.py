"""A pasted service-account key, judged offline: one JSON object, of type service_account, with
its fields, and a private_key that is still a PEM block.

The failures are the ones pasting produces (the platform documents pasted JSON with mangled
whitespace as a failure cause): typographic quotes, text around the object, a truncated paste, a
private_key whose line breaks were flattened. No finding quotes the key's content: positions,
field names and counts only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ... import safejson

SMART_QUOTES = "\u201c\u201d\u201e\u201f\u2018\u2019\u00ab\u00bb"
REQUIRED = ("project_id", "private_key_id", "private_key", "client_email")
_EMAIL = re.compile(r"^[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$")
_PEM = re.compile(r"^-----BEGIN PRIVATE KEY-----\n(?:[A-Za-z0-9+/=]{1,76}\n)+-----END PRIVATE KEY-----\n?$")


@dataclass
class KeyJudgement:
    """What is wrong, by kind: ``not_json``, ``incomplete``, ``key_mangled`` (lists of reasons)."""

    not_json: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    key_mangled: list[str] = field(default_factory=list)
    doc: dict[str, Any] | None = None


def judge_key(text: str) -> KeyJudgement:
    out = KeyJudgement()
    body = text.strip()
    if not body:
        out.not_json.append("is empty")
        return out
    quotes = [i for i, c in enumerate(body) if c in SMART_QUOTES]
    if quotes:
        out.not_json.append(f"contains {len(quotes)} typographic quote(s) (first at character "
                            f"{quotes[0] + 1}); JSON needs plain \" quotes")
        return out
    if not body.startswith("{"):
        hint = " (a file path? paste the file's content)" if body.endswith(".json") or "/" in body[:3] else ""
        out.not_json.append(f"does not start with '{{'{hint}")
        return out
    try:
        doc, end = safejson.raw_decode(body)
    except json.JSONDecodeError as exc:
        out.not_json.append(f"does not parse at line {exc.lineno} column {exc.colno} ({exc.msg})"
                            + ("; truncated?" if exc.pos >= len(body) - 2 else ""))
        return out
    if body[end:].strip():
        out.not_json.append(f"has {len(body[end:].strip())} character(s) of text after the JSON "
                            "object (pasted twice, or with a comment?)")
        return out
    if not isinstance(doc, dict):
        out.not_json.append("is JSON but not an object")
        return out
    out.doc = doc
    if doc.get("type") != "service_account":
        out.incomplete.append(f"type is {doc.get('type')!r}, not 'service_account'")
    for name in REQUIRED:
        if not isinstance(doc.get(name), str) or not doc[name].strip():
            out.incomplete.append(f"{name} is missing")
    email = doc.get("client_email")
    if isinstance(email, str) and email and not _EMAIL.match(email):
        out.incomplete.append("client_email is not NAME@PROJECT.iam.gserviceaccount.com")
    key = doc.get("private_key")
    if isinstance(key, str) and key:
        out.key_mangled += key_problems(key)
    return out


def key_problems(key: str) -> list[str]:
    """Why ``private_key`` is not a loadable PEM block (empty: it is)."""
    if _PEM.match(key):
        return []
    why = []
    if "-----BEGIN PRIVATE KEY-----" not in key or "-----END PRIVATE KEY-----" not in key:
        why.append("the BEGIN/END PRIVATE KEY lines are missing")
    if "\\n" in key:
        why.append("holds literal backslash-n pairs (the \\n escapes were escaped twice)")
    elif "\n" not in key.strip():
        why.append("is one line: its line breaks were flattened")
    elif "\r" in key:
        why.append("has carriage returns in it")
    if not why:
        why.append("its body is not base64 lines between BEGIN and END")
    return why
