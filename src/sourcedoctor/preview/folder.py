"""Preview a path: one file, or a folder (bounded listing, files in platform order, samples,
naming and consistency findings)."""

from __future__ import annotations

import asyncio
import posixpath

from .. import codes
from ..model import Finding
from ..sources.base import FileEntry, FileSource, SourceError
from ..targets import TargetProfile
from .consistency import folder_consistency
from .model import PreviewResult
from .naming import naming_findings
from .sample import DEFAULT_HEAD, sample_file

#: Unreadable entries (FIFOs, broken links) listed in evidence at most.
EVIDENCE_ENTRIES = 20


def _not_found_fix(scheme: str, path: str) -> list[str]:
    """The catalogue's fix names the SFTP user and host, which a preview does not always know
    (and a local path has neither): say what to do with what we have."""
    parent = posixpath.dirname(path.rstrip("/")) or "."
    if scheme == "local":
        return [f"Check the path on this machine: ls -la {parent}",
                "A file on an SFTP server needs a URL: sourcedoctor preview sftp://USER@HOST/PATH"]
    return [f"List the parent folder as this user sees it ({parent}) and use the name shown there",
            "Use the suggested path from the evidence if one was found."]


def _path_finding(err: SourceError, path: str, scheme: str = "local") -> Finding:
    if err.kind == "not_found":
        return codes.make_finding("path.not_found", f"{path} does not exist",
                                  evidence={"path": path, "detail": err.detail},
                                  fix=_not_found_fix(scheme, path))
    if err.kind == "permission_denied":
        return codes.make_finding("path.permission_denied", f"{path} cannot be listed",
                                  evidence={"path": path, "detail": err.detail}, folder=path)
    return codes.make_finding("file.unreadable", f"{path} cannot be read ({err.kind})",
                              evidence={"path": path, "kind": err.kind, "detail": err.detail},
                              files=path)


def _pick(entries: tuple[FileEntry, ...], file: str | None, count: int) -> list[FileEntry]:
    files = [e for e in entries if e.is_file]
    if file is None:
        return files[:count]
    return [e for e in entries if e.name == file or e.path == file or
            e.path.endswith("/" + file)][:1]


async def preview_path(source: FileSource, path: str, *, target: TargetProfile,
                       file: str | None = None, rows: int = 100, head_bytes: int = DEFAULT_HEAD,
                       max_entries: int = 10_000, depth: int = 0, glob: str | None = None,
                       sample_files: int = 3, timeout: float = 10.0) -> PreviewResult:
    """Preview ``path`` on ``source``: a single file, or a folder's first ``sample_files`` files
    in the order the platform takes them (or ``file`` alone). Never raises for source or data
    problems; they are findings."""
    try:
        top = await asyncio.wait_for(source.stat(path), timeout)
    except SourceError as err:
        return PreviewResult(path=path, kind="unknown", target=target.name,
                             findings=(_path_finding(err, path, source.scheme),))
    except TimeoutError:
        return PreviewResult(path=path, kind="unknown", target=target.name, findings=(
            codes.make_finding("check.timeout", f"stat of {path} took longer than {timeout:g} s",
                               evidence={"path": path, "timeout_s": timeout}),))
    if top.kind != "dir":
        sample = await sample_file(source, top, target=target, head_bytes=head_bytes, rows=rows,
                                   timeout=timeout)
        return PreviewResult(path=path, kind="file", target=target.name, entries=(top,),
                             samples=(sample,),
                             findings=tuple(naming_findings([top], target)))
    try:
        listing = await asyncio.wait_for(
            source.list(path, limit=max_entries, depth=depth, glob=glob), timeout * 3)
    except SourceError as err:
        return PreviewResult(path=path, kind="folder", target=target.name,
                             findings=(_path_finding(err, path, source.scheme),))
    except TimeoutError:
        return PreviewResult(path=path, kind="folder", target=target.name, findings=(
            codes.make_finding("check.timeout", f"listing {path} took longer than "
                               f"{timeout * 3:g} s", evidence={"path": path}),))
    findings: list[Finding] = list(naming_findings(listing.entries, target))
    odd = [e for e in listing.entries if e.kind in ("other", "symlink")]
    if odd:
        findings.append(codes.make_finding(
            "file.unreadable",
            f"{len(odd)} entr{'y is' if len(odd) == 1 else 'ies are'} not regular files "
            "(FIFO, device, socket or broken/looping link) and were not read",
            evidence={"entries": [{"path": e.path, "kind": e.kind} for e in odd[:EVIDENCE_ENTRIES]],
                      "count": len(odd)},
            files=" ".join(posixpath.basename(e.path) for e in odd[:EVIDENCE_ENTRIES])))
    chosen = _pick(listing.entries, file, sample_files)
    if not chosen:
        if file is not None:
            findings.append(codes.make_finding(
                "path.not_found", f"{file} is not in {path}",
                evidence={"path": path, "file": file, "listed": len(listing.entries)},
                fix=_not_found_fix(source.scheme, posixpath.join(path, file))))
        elif not listing.files:
            findings.append(codes.make_finding(
                "path.empty", f"{path} has no files to sample",
                evidence={"path": path, "entries": len(listing.entries), "glob": glob,
                          "depth": depth}))
    samples = []
    for entry in chosen:  # one after the other: the server sees one reader, like the platform
        samples.append(await sample_file(source, entry, target=target, head_bytes=head_bytes,
                                         rows=rows, timeout=timeout))
    findings += folder_consistency(samples, target)
    return PreviewResult(path=path, kind="folder", target=target.name, entries=listing.entries,
                         left_out=listing.truncated, samples=tuple(samples),
                         left_out_at_least=listing.counting_stopped,
                         findings=tuple(findings), listing_errors=listing.errors)
