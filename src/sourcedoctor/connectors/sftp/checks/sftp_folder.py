"""Layer 9 — folder: resolve it as the SFTP user sees it (chroot-aware) and list it, bounded."""

from __future__ import annotations

import asyncio
import posixpath
from dataclasses import replace
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding, Severity
from ....preview import naming_findings
from ....sentence import say
from ....sources.base import FileEntry, Listing, SourceError
from ..settings import SftpSettings
from ..source import SftpSource, classify_sftp_error
from ..state import SftpState

#: The platform ingests a folder recursively; we look this many levels down for files.
LIST_DEPTH = 2


def _exception(failed: BaseException) -> Exception:
    if isinstance(failed, Exception):
        return failed
    raise failed  # cancellation and the like are not a missing folder


def _rebase_path(path: str, wanted: str, resolved: str) -> str:
    if path == wanted:
        return resolved
    prefix = wanted.rstrip("/") + "/" if wanted not in ("", ".") else ""
    if wanted in ("", "."):
        rest = path.removeprefix("./")
    elif path.startswith(prefix):
        rest = path[len(prefix):]
    else:
        return path
    return posixpath.join(resolved, rest)


def rebased(listing: Listing, wanted: str, resolved: str) -> Listing:
    """The listing of ``wanted`` with its paths under ``resolved`` (the server's real path)."""
    if wanted == resolved:
        return listing
    entries = tuple(replace(e, path=_rebase_path(e.path, wanted, resolved))
                    for e in listing.entries)
    # Subfolder errors read "kind: path (detail)" (str of a SourceError)
    errors = tuple(f"{kind}: {_rebase_path(rest, wanted, resolved)}"
                   for kind, _, rest in (e.partition(": ") for e in listing.errors))
    return Listing(resolved, entries, listing.truncated, errors, listing.counting_stopped)


def rebased_error(err: SourceError, wanted: str, resolved: str) -> SourceError:
    return SourceError(err.kind, _rebase_path(err.path, wanted, resolved), err.detail)


def ingestible(listing: Listing) -> list[Any]:
    """Regular files the platform would take, in its order (hidden files are left out)."""
    return [e for e in listing.files if not e.name.startswith(".")]


class FolderCheck(Check[SftpSettings, SftpState]):
    """``realpath`` the folder, tell a chroot from a typo, list it within the entry cap."""

    id = "sftp.folder"
    title = "Folder"
    needs = ("sftp.session",)
    timeout_steps = 2.0

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        source = ctx.state.source
        assert source is not None and ctx.state.sftp is not None
        s = ctx.settings
        wanted = s.folder or "."
        # None of these needs another's answer: one round trip for all of them (the listing
        # then pipelines its READDIRs). The folder is listed under the name configured and its
        # entries renamed under the resolved path afterwards.
        home, resolved, entry, listing = await asyncio.gather(
            ctx.state.sftp.realpath("."), ctx.state.sftp.realpath(wanted), source.stat(wanted),
            source.list(wanted, limit=s.max_entries, depth=LIST_DEPTH), return_exceptions=True)
        if isinstance(home, BaseException):
            raise home
        facts: dict[str, Any] = {"login_directory": home, "configured": s.folder or "(login dir)"}
        for failed in (resolved, entry):
            if isinstance(failed, BaseException):
                # asyncssh raises SFTPError subclasses; classify them
                err = failed if isinstance(failed, SourceError) else classify_sftp_error(
                    _exception(failed), wanted)
                return Outcome.of([await self._missing(ctx, source, home, err)], **facts)
        assert isinstance(resolved, str) and isinstance(entry, FileEntry)
        facts["resolved"] = resolved
        if entry.kind != "dir":
            parent = posixpath.dirname(resolved) or "/"
            return Outcome.of([make_finding(
                "path.not_a_directory", f"{resolved} is a file, not a folder",
                evidence={**facts, "kind": entry.kind}, parent=parent)], **facts)
        if isinstance(listing, SourceError):
            return Outcome.of([self._denied(rebased_error(listing, wanted, resolved), resolved,
                                            facts)], **facts)
        if isinstance(listing, BaseException):
            raise listing
        listing = rebased(listing, wanted, resolved)
        ctx.state.folder = resolved
        files = ingestible(listing)
        if s.file:
            files = [e for e in files if e.name == s.file or e.path.endswith("/" + s.file)]
        ctx.state.files = files
        facts.update(entries=len(listing.entries), files=len(files),
                     truncated=listing.truncated, first_files=[e.path for e in files[:10]])
        if listing.counting_stopped:  # "truncated" is then a lower bound, not a count
            facts["truncated_at_least"] = True
        if listing.errors:
            facts["unlistable_subfolders"] = list(listing.errors[:20])
        findings: list[Finding] = list(naming_findings(listing.entries, ctx.target))
        special = [e.path for e in listing.entries if e.kind == "other"]
        if special:  # FIFOs, sockets, devices: a reader that opens one blocks or fails
            findings.append(make_finding(
                "file.unreadable",
                f"{len(special)} entries in the folder are not regular files (FIFO, socket or device)",
                evidence={"files": special[:50], "count": len(special)},
                # only a platform that reads the whole folder trips over them
                severity=None if ctx.target.folder_is_one_dataset else Severity.WARN,
                files=", ".join(special[:5])))
        if not files:
            what = f"no file named {s.file}" if s.file else "no files (hidden files aside)"
            findings.append(make_finding(
                "path.empty", f"{resolved} has {what}; the dataflow would ingest nothing",
                evidence={**facts, "entries_seen": [e.name for e in listing.entries[:20]]}))
        return Outcome.of(findings, **facts)

    @staticmethod
    def _denied(err: SourceError, path: str, facts: dict[str, Any]) -> Finding:
        return make_finding(
            "path.permission_denied", f"{path} exists but cannot be listed ({err.detail or err.kind})",
            evidence={**facts, "error": str(err)}, folder=path)

    async def _missing(
        self, ctx: Context[SftpSettings, SftpState], source: SftpSource, home: str, err: SourceError
    ) -> Finding:
        s = ctx.settings
        folder = s.folder or "."
        evidence: dict[str, Any] = {"configured": folder, "login_directory": home, "error": str(err)}
        if err.kind == "permission_denied":
            return self._denied(err, folder, evidence)
        if err.kind == "not_a_directory":
            return make_finding("path.not_a_directory", f"a part of {folder} is a file",
                                evidence=evidence, parent=posixpath.dirname(folder))
        # Chroot-aware: an absolute real path fails inside a chroot, where the same path relative
        # to the login directory works; and the reverse for a relative path.
        alternatives = []
        if folder.startswith("/"):
            alternatives.append(folder.lstrip("/"))
            parts = folder.strip("/").split("/")
            alternatives += ["/".join(parts[i:]) for i in range(1, len(parts))]
        else:
            alternatives.append("/" + folder)
        found = None
        for alt in alternatives:
            try:
                if (await source.stat(alt)).kind == "dir":
                    found = alt
                    break
            except SourceError:
                continue
        hint = ""
        if home == "/":
            evidence["chroot_likely"] = True
            hint = " The login directory is '/', so the account is probably chrooted: paths start there."
        if found is not None:
            evidence["suggested_folder"] = found
            hint += f" The folder exists as '{found}' for this user."
        return make_finding("path.not_found",
                            say("{folder} does not exist for user {user}.{hint}", folder=folder,
                                user=s.user, hint=hint),
                            evidence=evidence, user=s.user, host=s.host)

