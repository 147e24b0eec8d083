"""Layer 9 — listing: the folder as the platform explores it, bounded (MLSD, else LIST).

Through the shared walk (:mod:`sourcedoctor.sources.walk`), two levels down (the platform ingests
a folder recursively), at most ``max_entries`` kept. An empty folder is ``path.empty``; names are
judged by the target's rules. LIST lines we cannot read are counted in the facts, never guessed.
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.listing import LIST_DEPTH, entries_seen, ingestible, listing_facts, named
from ....codes import make_finding
from ....model import Finding
from ....preview import naming_findings
from ..settings import FtpSettings
from ..source import FtpSource, FtpSourceError
from ..state import FtpState


class ListingCheck(Check[FtpSettings, FtpState]):
    """List the folder within the entry cap; find the files to sample."""

    id = "ftp.listing"
    title = "Folder listing"
    needs = ("ftp.folder",)
    timeout_steps = 4.0

    async def run(self, ctx: Context[FtpSettings, FtpState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.session is not None
        source = FtpSource(st.session)
        st.source = source
        folder = s.folder
        facts: dict[str, Any] = {"folder": folder or "(login folder)"}
        try:
            listing = await source.list(folder, limit=s.max_entries, depth=LIST_DEPTH)
        except FtpSourceError as err:
            code = {"permission_denied": "path.permission_denied",
                    "not_a_directory": "path.not_a_directory"}.get(err.kind, "path.not_found")
            return Outcome.of([make_finding(
                code, f"listing {folder or 'the login folder'} failed: {err.reply}",
                evidence={"command": source.listing_command, "reply": str(err.reply)},
                folder=folder, parent=folder)], **facts)
        st.folder = folder
        st.files = files = named(ingestible(listing.entries), s.file)
        facts.update(command=source.listing_command,
                     **listing_facts(listing, files, errors_key="unlistable_folders"))
        if source.unparsed_lines:
            facts["unparsed_list_lines"] = source.unparsed_lines
        findings: list[Finding] = list(naming_findings(listing.entries, ctx.target))
        if not files:
            what = f"no file named {s.file}" if s.file else "no files (hidden ones aside)"
            # curl: ftps:// is implicit TLS; explicit TLS is ftp:// with --ssl-reqd.
            curl = "ftps" if s.tls_mode == "implicit" else "ftp"
            where = f"{curl}://{s.host}:{s.port}/{folder}".rstrip("/") + "/"
            findings.append(make_finding(
                "path.empty", f"{folder or 'the login folder'} has {what}; the dataflow would "
                "ingest nothing", evidence={**facts, "entries_seen": entries_seen(listing)},
                fix=[f"Put at least one file in {folder or 'the login folder'}, or point the "
                     "connection at the folder that has them (names are case-sensitive).",
                     f"List what is there: curl --user {s.login_user} {where}"
                     + (" --ssl-reqd" if s.tls_mode == "explicit" else "")]))
        return Outcome.of(findings, **facts)
