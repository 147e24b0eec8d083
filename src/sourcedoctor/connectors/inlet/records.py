"""The local records file, read and judged before anything is sent (nothing here touches the network).

A records file is one JSON document — one message, or the platform's batch form
``{"messages": [...]}`` — or JSON lines (one message a line). Each message is either an XDM
envelope (``header.schemaRef`` + ``body.xdmMeta`` + ``body.xdmEntity``) or raw JSON, which a
dataflow (``x-adobe-flow-id``) maps to XDM. The platform refuses a request over 1 MB; each message
of a JSON-lines file is a request of its own, a batch document is one request.

Reading is bounded (:data:`FILE_LIMIT`, through :mod:`sourcedoctor.userfiles`), and so is what is
kept: at most :data:`KEPT_RECORDS` parsed messages and :data:`MAX_LINE_ERRORS` line numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ... import safejson
from ...userfiles import read_user_file

#: The platform's limit on one request body (documented as 1 MB; we count decimal bytes, the
#: stricter reading).
MAX_REQUEST_BYTES = 1_000_000
#: Largest records file read (a sample of records, not a data set).
FILE_LIMIT = 16 << 20
#: Messages kept parsed for the preview and the send (the rest are only counted and checked).
KEPT_RECORDS = 1_000
#: Line numbers kept per kind of problem.
MAX_LINE_ERRORS = 10
#: The content type an XDM envelope's schemaRef declares.
XDM_CONTENT_TYPE = "application/vnd.adobe.xed-full+json;version=1"


@dataclass
class Record:
    """One message: where it starts (1-based line), its size as a request body, its value."""

    line: int
    size: int
    value: dict[str, Any]
    #: The message's bytes as the file holds them (a JSON line, a one-message file): sent as they
    #: are, so the size judged is the size sent. None for items of a batch or array.
    raw: bytes | None = None

    @property
    def kind(self) -> str:
        """``xdm`` (it has a header or a body: an envelope, complete or not) or ``raw``."""
        return "xdm" if "header" in self.value or "body" in self.value else "raw"

    def body(self) -> bytes:
        """The request body sending this message alone."""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class RecordFile:
    """What the file holds, and what is wrong with it (each list bounded)."""

    layout: str = "empty"  # "object", "batch", "array", "lines", "empty", "binary", "undecodable"
    records: list[Record] = field(default_factory=list)
    count: int = 0
    #: (line, column, message) of JSON that does not parse.
    json_errors: list[tuple[int, int, str]] = field(default_factory=list)
    #: Lines holding JSON that is not an object (a message must be one).
    not_objects: list[int] = field(default_factory=list)
    #: (line, bytes) of requests over the limit.
    too_large: list[tuple[int, int]] = field(default_factory=list)
    size: int = 0
    detail: str | None = None


def load_records(path: str) -> RecordFile:
    """Read and parse ``path`` (raises UserFileError for a missing, non-regular or huge file)."""
    data = read_user_file(path, "file", limit=FILE_LIMIT, what="a records file",
                          fix="give the records file (JSON or JSON lines)")
    return parse_records(data)


def parse_records(data: bytes) -> RecordFile:
    """Parse a records file's bytes (the whole judgement, without I/O)."""
    out = RecordFile(size=len(data))
    if not data.strip():
        return out
    if b"\x00" in data:
        out.layout, out.detail = "binary", f"NUL byte at offset {data.index(bytes(1))}"
        return out
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        out.layout, out.detail = "undecodable", f"not UTF-8 at byte {exc.start}"
        return out
    try:
        whole = safejson.loads(text)
    except json.JSONDecodeError as exc:
        if "\n" not in text.strip():  # one line that does not parse: no JSON-lines reading helps
            out.layout = "object"
            out.json_errors.append((exc.lineno, exc.colno, exc.msg))
            return out
        _parse_lines(text, out)
        return out
    _parse_document(whole, text.strip().encode(), out)
    return out


def _parse_document(whole: Any, raw: bytes, out: RecordFile) -> None:
    size = len(raw)
    if isinstance(whole, dict) and isinstance(whole.get("messages"), list):
        out.layout = "batch"  # one request carrying every message
        if size > MAX_REQUEST_BYTES:
            out.too_large.append((1, size))
        for item in whole["messages"]:
            _keep(out, item, 1, len(json.dumps(item).encode()))
    elif isinstance(whole, dict):
        out.layout = "object"
        if size > MAX_REQUEST_BYTES:
            out.too_large.append((1, size))
        _keep(out, whole, 1, size, raw)
    elif isinstance(whole, list):
        out.layout = "array"  # not the platform's batch form: each item would be sent alone
        for item in whole:
            item_size = len(json.dumps(item).encode())
            if item_size > MAX_REQUEST_BYTES and len(out.too_large) < MAX_LINE_ERRORS:
                out.too_large.append((1, item_size))
            _keep(out, item, 1, item_size)
    else:
        out.layout = "object"
        out.not_objects.append(1)


def _parse_lines(text: str, out: RecordFile) -> None:
    out.layout = "lines"
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        size = len(line.encode())
        try:
            value = safejson.loads(line)
        except json.JSONDecodeError as exc:
            if len(out.json_errors) < MAX_LINE_ERRORS:
                out.json_errors.append((number, exc.colno, exc.msg))
            continue
        if size > MAX_REQUEST_BYTES and len(out.too_large) < MAX_LINE_ERRORS:
            out.too_large.append((number, size))
        _keep(out, value, number, size, line.encode())


def _keep(out: RecordFile, value: Any, line: int, size: int, raw: bytes | None = None) -> None:
    if not isinstance(value, dict):
        if len(out.not_objects) < MAX_LINE_ERRORS:
            out.not_objects.append(line)
        return
    out.count += 1
    if len(out.records) < KEPT_RECORDS:
        out.records.append(Record(line, size, value, raw))


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def envelope_problems(record: Record) -> list[str]:
    """What an XDM envelope lacks (empty for a complete one, or for raw JSON)."""
    if record.kind != "xdm":
        return []
    v = record.value
    missing = []
    if not _get(v, "header", "schemaRef", "id"):
        missing.append("header.schemaRef.id is missing")
    content_type = _get(v, "header", "schemaRef", "contentType")
    if not content_type:
        missing.append("header.schemaRef.contentType is missing")
    elif str(content_type).replace(" ", "") != XDM_CONTENT_TYPE:
        missing.append(f"header.schemaRef.contentType is {content_type!r}, not {XDM_CONTENT_TYPE!r}")
    if not isinstance(_get(v, "body", "xdmMeta"), dict):
        missing.append("body.xdmMeta is missing")
    elif not _get(v, "body", "xdmMeta", "schemaRef", "id"):
        missing.append("body.xdmMeta.schemaRef.id is missing")
    elif _get(v, "header", "schemaRef", "id") and \
            _get(v, "body", "xdmMeta", "schemaRef", "id") != _get(v, "header", "schemaRef", "id"):
        missing.append("body.xdmMeta.schemaRef.id differs from header.schemaRef.id")
    if not isinstance(_get(v, "body", "xdmEntity"), dict):
        missing.append("body.xdmEntity is missing")
    return missing


def header_org(record: Record) -> str | None:
    """The envelope's ``header.imsOrgId`` (None for raw JSON or when absent)."""
    org = _get(record.value, "header", "imsOrgId")
    return org if isinstance(org, str) else None


def entity(record: Record) -> dict[str, Any]:
    """What the platform stores of a message: ``body.xdmEntity`` of an envelope, raw JSON as is."""
    if record.kind == "xdm":
        found = _get(record.value, "body", "xdmEntity")
        return found if isinstance(found, dict) else {}
    return record.value
