"""Stream record values judged by the target's rules: JSON objects only, and a size limit.

Shared by the record connectors (Kafka, Kinesis): their records layer reads a sample, and this
says what the platform cannot take in it (``records.not_json``, ``records.too_large``). Under
``generic`` only values a reader cannot read at all (schema-registry framed, binary) are worth a
warning; the platform's target (``aep``) fails on any value that is not a JSON object and on a
value above its record limit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ...codes import make_finding
from ...model import Finding, Severity
from ...targets import TargetProfile
from .records import KIND_WORDS, StreamRecord, decode_value

#: Positions of offending records named in the evidence.
SHOWN = 10
#: Kinds a generic reader cannot read either (a warning without the platform's rules).
UNREADABLE = frozenset({"framed", "binary"})


def value_findings(records: Sequence[StreamRecord], target: TargetProfile, *, relation: str,
                   preview: str) -> list[Finding]:
    """Findings for the sampled ``records`` of ``relation`` under ``target`` (``preview``: the
    command that shows them)."""
    found: list[Finding] = []
    bad: dict[str, list[dict[str, object]]] = {}
    for r in records:
        d = decode_value(r.value)
        kind = "json (not an object)" if d.kind == "json" and d.scalar else d.kind
        if d.kind in ("null",) or (d.kind == "json" and not d.scalar):
            continue
        bad.setdefault(kind, []).append(r.position)
    judged = {k: v for k, v in bad.items()
              if target.stream_values_json_only or k in UNREADABLE}
    if judged:
        count = sum(len(v) for v in judged.values())
        words = ", ".join(f"{len(v)} {KIND_WORDS.get(k, k)}" for k, v in judged.items())
        finding = make_finding(
            "records.not_json", f"{count} of {len(records)} sampled record(s) of {relation} are "
            f"not JSON objects ({words})",
            evidence={"relation": relation, "sampled": len(records),
                      "kinds": {k: len(v) for k, v in judged.items()},
                      "positions": {k: v[:SHOWN] for k, v in judged.items()}},
            relation=relation, kinds=", ".join(KIND_WORDS.get(k, k) for k in judged),
            preview=preview)
        if not target.stream_values_json_only:
            finding = dataclasses.replace(finding, severity=Severity.WARN)
        found.append(finding)
    limit = target.stream_record_limit
    if limit is not None:
        big = sorted(((len(r.value), r.position) for r in records
                      if r.value is not None and len(r.value) > limit),
                     key=lambda x: -x[0])
        if big:
            found.append(make_finding(
                "records.too_large", f"{len(big)} sampled record(s) of {relation} exceed the "
                f"platform's {limit:,}-byte record limit (largest {big[0][0]:,} bytes)",
                evidence={"relation": relation, "limit": limit,
                          "largest": [{"bytes": n, **pos} for n, pos in big[:SHOWN]]},
                relation=relation, limit=f"{limit:,}", largest=f"{big[0][0]:,}"))
    return found
