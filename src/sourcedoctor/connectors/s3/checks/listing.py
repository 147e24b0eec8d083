"""Layer 7 — listing: the folder (key prefix) as the platform explores it, bounded.

ListObjectsV2 with the ``/`` delimiter, page by page up to the entry cap, two levels down (the
platform ingests a folder recursively). A prefix with no objects is ``path.empty``; a folder path
that names one object is sampled as that object. Names are judged by the target's rules.
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.listing import LIST_DEPTH, entries_seen, ingestible, listing_facts, named, single_file
from ....codes import make_finding
from ....model import Finding
from ....preview import naming_findings
from ..answers import bucket_arn, finding_for
from ..settings import S3Settings
from ..source import S3Source, S3SourceError
from ..state import S3State


class ListingCheck(Check[S3Settings, S3State]):
    """List the prefix within the entry cap; find the objects to sample."""

    id = "s3.listing"
    title = "Folder listing"
    needs = ("s3.bucket",)
    timeout_steps = 3.0

    async def run(self, ctx: Context[S3Settings, S3State]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.client is not None
        source = S3Source(st.client, s.bucket)
        st.source = source
        folder = s.folder.strip("/")
        facts: dict[str, Any] = {"prefix": s.prefix or "(bucket root)"}
        try:
            listing = await source.list(folder, limit=s.max_entries, depth=LIST_DEPTH)
        except S3SourceError as err:
            return Outcome.of([finding_for(err.answer, s, action="s3:ListBucket",
                                           resource=bucket_arn(s.bucket),
                                           what=f"ListObjectsV2 {s.bucket}/{s.prefix}")], **facts)
        st.storage_classes.update(source.storage_classes)
        files = ingestible(listing.entries)
        if not listing.entries and folder:
            single = await single_file(source, folder)
            if single is not None:
                files = [single]
                facts["single_object"] = single.path
        st.folder = folder
        st.files = files = named(files, s.file)
        facts.update(listing_facts(listing, files))
        findings: list[Finding] = list(naming_findings(listing.entries, ctx.target))
        if not files:
            what = f"no object named {s.file}" if s.file else "no objects (hidden ones aside)"
            findings.append(make_finding(
                "path.empty", f"s3://{s.bucket}/{s.prefix} has {what}; the dataflow would ingest nothing",
                evidence={**facts, "entries_seen": entries_seen(listing)},
                fix=[f"Upload at least one object under s3://{s.bucket}/{s.prefix}, or set "
                     "folderPath to the prefix that has them (keys are case-sensitive).",
                     f"List what is there: aws s3 ls s3://{s.bucket}/{s.prefix} --recursive"]))
        return Outcome.of(findings, **facts)
