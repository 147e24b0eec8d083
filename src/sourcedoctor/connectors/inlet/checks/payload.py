"""Layer 3 — the records, judged locally before anything is sent: the file parses (JSON or JSON
lines, with line numbers), each request stays under 1 MB, each XDM envelope is complete, raw JSON
has a dataflow to map it, and the envelope's organisation is the inlet's."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ....userfiles import UserFileError
from ..records import MAX_REQUEST_BYTES, RecordFile, envelope_problems, header_org, load_records
from ..settings import InletSettings
from ..source import RecordSource
from ..state import InletState


def _file_findings(rf: RecordFile, path: str) -> list[Finding]:
    """The file itself: empty, binary, not UTF-8, not JSON, not objects."""
    if rf.layout == "empty":
        return [make_finding("data.empty_file", f"{path} holds no records", evidence={"file": path})]
    if rf.layout == "binary":
        return [make_finding("data.format_unknown", f"{path} is binary, not JSON ({rf.detail})",
                             evidence={"file": path, "detail": rf.detail},
                             fix=["Give a JSON or JSON-lines file of records."])]
    if rf.layout == "undecodable":
        return [make_finding("data.encoding", f"{path} is not UTF-8 text ({rf.detail})",
                             evidence={"file": path, "detail": rf.detail})]
    out: list[Finding] = []
    if rf.json_errors:
        lines = [{"line": ln, "column": col, "error": msg} for ln, col, msg in rf.json_errors]
        first = rf.json_errors[0]
        out.append(make_finding(
            "data.json_invalid", f"{path}: JSON does not parse at line {first[0]} column {first[1]} "
            f"({first[2]})" + (f" and on {len(lines) - 1} more line(s)" if len(lines) > 1 else ""),
            evidence={"file": path, "errors": lines, "layout": rf.layout}, file=path))
    if rf.not_objects:
        out.append(make_finding(
            "data.json_invalid", f"{path}: line(s) {', '.join(map(str, rf.not_objects))} hold JSON "
            "that is not an object; each message must be one", evidence={"file": path,
                                                                         "lines": rf.not_objects},
            file=path))
    return out


class PayloadCheck(Check[InletSettings, InletState]):
    """Read the records file (bounded) and judge every message the way the inlet would."""

    id = "stream.payload"
    title = "Records (local validation)"
    needs = ("config.settings",)

    async def run(self, ctx: Context[InletSettings, InletState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        if s.file is None:
            if s.send:
                return Outcome.of([make_finding(
                    "config.invalid", "--send needs a records file (--file RECORDS) to send from",
                    evidence={"field": "file"}, field="file")])
            return Outcome.not_applicable("no records file (--file): nothing to validate")
        try:
            rf = await asyncio.wait_for(asyncio.to_thread(load_records, s.file), ctx.step_timeout)
        except UserFileError as exc:
            return Outcome.of([make_finding("config.invalid", exc.message,
                                            evidence={"field": "file"}, field="file")])
        st.records = rf
        name = os.path.basename(s.file)
        facts: dict[str, Any] = {"file": s.file, "bytes": rf.size, "layout": rf.layout,
                                 "records": rf.count}
        findings = _file_findings(rf, name)
        if rf.count:
            kinds = sorted({r.kind for r in rf.records})
            facts["kinds"] = kinds
            facts["largest_record_bytes"] = max(r.size for r in rf.records)
            findings += self._judge(rf, s, name)
            st.source = RecordSource(rf, name)
            st.relation = name
        elif not findings:
            findings.append(make_finding("data.empty_file", f"{name} holds no records",
                                         evidence={"file": name}))
        return Outcome.of(findings, **facts)

    @staticmethod
    def _judge(rf: RecordFile, s: InletSettings, name: str) -> list[Finding]:
        out: list[Finding] = []
        if rf.too_large:
            line, size = rf.too_large[0]
            out.append(make_finding(
                "stream.payload_too_large",
                f"{name}: a request would carry {size:,} bytes (line {line}); the inlet takes at "
                f"most {MAX_REQUEST_BYTES:,}" + (" — the whole batch document is one request"
                                                 if rf.layout == "batch" else ""),
                evidence={"file": name, "limit_bytes": MAX_REQUEST_BYTES, "layout": rf.layout,
                          "requests": [{"line": ln, "bytes": b} for ln, b in rf.too_large]},
                line=str(line), size=f"{size:,}"))
        if rf.layout == "array":
            out.append(make_finding(
                "stream.array_body", f"{name} is a JSON array of {rf.count} message(s): the inlet "
                "refuses an array body; each item is judged (and sent) as a message of its own",
                evidence={"file": name, "layout": "array", "records": rf.count}))
        broken = [(r, why) for r in rf.records if (why := envelope_problems(r))]
        if broken:
            first, why = broken[0]
            out.append(make_finding(
                "stream.xdm_envelope_incomplete",
                f"{name}: {len(broken)} XDM message(s) lack envelope parts; line {first.line}: "
                f"{'; '.join(why)}",
                evidence={"file": name, "messages": [{"line": r.line, "problems": w}
                                                     for r, w in broken[:10]]},
                missing="; ".join(why), line=str(first.line)))
        if any(r.kind == "raw" for r in rf.records) and not s.effective_flow_id:
            raw = [r.line for r in rf.records if r.kind == "raw"]
            out.append(make_finding(
                "stream.flow_id_missing", f"{name}: {len(raw)} raw JSON record(s) and no "
                "x-adobe-flow-id: the platform has no dataflow to map them with",
                evidence={"file": name, "raw_lines": raw[:10]}))
        if s.ims_org:
            wrong = [(r.line, org) for r in rf.records
                     if (org := header_org(r)) is not None and org != s.ims_org.strip()]
            if wrong:
                out.append(make_finding(
                    "stream.ims_org_wrong", f"{name}: header.imsOrgId {wrong[0][1]!r} (line "
                    f"{wrong[0][0]}) is not the inlet's organisation {s.ims_org.strip()!r}",
                    evidence={"file": name, "messages": [{"line": ln, "imsOrgId": o}
                                                         for ln, o in wrong[:10]]},
                    ims_org=s.ims_org.strip()))
        return out
