"""Layer 7 — listing: the folder through the shared walk (``/`` delimiter), within the entry cap,
two levels down (the platform ingests a folder recursively). A prefix with no blobs is
``path.empty``; a folder path that names one blob is sampled as that blob. Names are judged by
the target's rules."""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.listing import LIST_DEPTH, entries_seen, ingestible, listing_facts, named, single_file
from ....codes import make_finding
from ....model import Finding
from ....preview import naming_findings
from ..answers import finding_for
from ..azcli import az_values
from ..settings import AzblobSettings
from ..source import AzblobSource, AzblobSourceError
from ..state import AzblobState


class ListingCheck(Check[AzblobSettings, AzblobState]):
    """List the folder within the entry cap; find the blobs to sample."""

    id = "blob.listing"
    title = "Folder listing"
    needs = ("blob.container",)
    timeout_steps = 3.0

    async def run(self, ctx: Context[AzblobSettings, AzblobState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.client is not None
        source = AzblobSource(st.client)
        st.source = source
        folder = s.folder.strip("/")
        facts: dict[str, Any] = {"prefix": s.prefix or "(container root)"}
        try:
            listing = await source.list(folder, limit=s.max_entries, depth=LIST_DEPTH)
        except AzblobSourceError as err:
            return Outcome.of([finding_for(err.failure, s, what=f"List Blobs {s.container_name}/"
                                           f"{s.prefix}", letter="l")], **facts)
        files = ingestible(listing.entries)
        if not listing.entries and folder:
            single = await single_file(source, folder)
            if single is not None:
                files = [single]
                facts["single_blob"] = single.path
        st.folder = folder
        st.files = files = named(files, s.file)
        facts.update(listing_facts(listing, files))
        findings: list[Finding] = list(naming_findings(listing.entries, ctx.target))
        if not files:
            where = f"{s.container_name}/{s.prefix}"
            what = f"no blob named {s.file}" if s.file else "no blobs (hidden ones aside)"
            findings.append(make_finding(
                "path.empty", f"{where} has {what}; the dataflow would ingest nothing",
                evidence={**facts, "entries_seen": entries_seen(listing)},
                fix=[f"Upload at least one blob under {where}, or set folderPath to the prefix "
                     "that has them (names are case-sensitive).",
                     f"List what is there: az storage blob list {az_values(s)['az_auth']} "
                     f"-c {s.container_name} --prefix '{s.prefix}' -o table"]))
        return Outcome.of(findings, **facts)
