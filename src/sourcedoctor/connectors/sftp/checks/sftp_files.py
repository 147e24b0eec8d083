"""Layer 10 — files: open the first files the platform would ingest and read their heads.

The heads of all sampled files are read at once (open, then read + close in one burst each: two
round trips in all, however far away the server is), as much of each as the sample layer's first
read takes, so that layer usually needs no round trip of its own.

Under a target that reads in parallel chunks (aep) also probe what the platform will do: several
connections at once (never more than ``--max-connections``, the diagnosis connection included)
each reading one file at two offsets. The extra connections log in while the heads are read.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncssh

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding, Severity
from ....preview.headread import first_read_length
from ....sources.base import FileEntry, SourceError
from ..pipeline import read_range
from ..settings import SftpSettings
from ..state import ExtraLogin, SftpState

PROBE_BYTES = 64


class FilesCheck(Check[SftpSettings, SftpState]):
    """Read the head of each sampled file; probe parallel offset reads for chunking targets."""

    id = "sftp.files"
    title = "Files readable"
    needs = ("sftp.folder",)
    timeout_steps = 3.0

    def __init__(self, *, parallel_probe: bool = False) -> None:
        #: True when the plan has the parallel-logins layer whose connections this layer reads on.
        self.parallel_probe = parallel_probe

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        st, s = ctx.state, ctx.settings
        assert st.source is not None
        chosen = st.files[: s.sample_files]
        # The probe's file is picked before the heads are read so both run side by side; a
        # file whose head then fails is reported as such, and its probe result dropped.
        target = next((e for e in chosen if (e.size or 0) > 0), None)
        probing = self.parallel_probe and ctx.target.chunked_reads and target is not None
        probe = (asyncio.ensure_future(self._probe(ctx, target))
                 if probing and target is not None else None)
        try:
            heads = await asyncio.gather(*(self._head(ctx, e) for e in chosen))
        except BaseException:
            if probe is not None:
                probe.cancel()
                await asyncio.gather(probe, return_exceptions=True)
            raise
        denied: list[str] = []
        unreadable: dict[str, str] = {}
        for entry, head in zip(chosen, heads, strict=True):
            if isinstance(head, bytes):
                st.heads[entry.path] = head
            elif head.kind == "permission_denied":
                denied.append(entry.path)
            else:
                unreadable[entry.path] = str(head)
        facts: dict[str, Any] = {"opened": [e.path for e in chosen],
                                 "bytes_read": {p: len(h) for p, h in st.heads.items()}}
        if st.sftp is not None and st.heads:  # the reads waited for the server's limits
            lim = st.sftp.limits
            facts.update(max_read_len=lim.max_read_len, max_open_handles=lim.max_open_handles)
        findings: list[Finding] = []
        # A reader that is not bound to the whole folder takes the files that opened (docs/targets.md).
        per_file = None if ctx.target.folder_is_one_dataset or not st.heads else Severity.WARN
        if denied:
            findings.append(make_finding(
                "file.permission_denied",
                f"{len(denied)} of {len(chosen)} sampled files cannot be opened for reading",
                evidence={"files": denied}, severity=per_file))
        if unreadable:
            facts["unreadable"] = unreadable
            findings.append(make_finding(
                "file.unreadable", f"{len(unreadable)} of {len(chosen)} sampled files could not be read",
                evidence={"files": unreadable}, severity=per_file))
        if probe is not None:
            probed, probe_facts = await probe
            assert target is not None
            if target.path in st.heads:
                findings += probed
                facts.update(probe_facts)
        return Outcome.of(findings, **facts)

    async def _head(self, ctx: Context[SftpSettings, SftpState], entry: FileEntry) -> bytes | SourceError:
        st, s = ctx.state, ctx.settings
        assert st.source is not None
        asked = first_read_length(entry.name, entry.size, s.head_bytes)
        st.head_asked[entry.path] = asked
        try:
            return await asyncio.wait_for(st.source.read(entry.path, 0, asked), ctx.step_timeout)
        except SourceError as err:
            return err
        except TimeoutError:
            return SourceError("io", entry.path, f"no answer within {ctx.step_timeout:g} s")

    async def _probe(
        self, ctx: Context[SftpSettings, SftpState], entry: FileEntry
    ) -> tuple[list[Finding], dict[str, Any]]:
        st, s = ctx.state, ctx.settings
        assert st.source is not None
        size = entry.size or 0
        offsets = (0, size // 2)
        facts: dict[str, Any] = {}
        # This connection's offset read and the extra connections' reads go out side by side.
        here = asyncio.ensure_future(self._read_here(ctx, entry.path, offsets[1]))
        try:
            results = await self._read_on_extras(ctx, entry.path, offsets)
            error = await here
        finally:
            here.cancel()
        if error is not None:
            return [make_finding(
                "sftp.range_read_unsupported",
                f"reading {entry.path} at offset {offsets[1]} failed ({error})",
                evidence={"file": entry.path, "offset": offsets[1], "error": str(error)})], facts
        if isinstance(results, str):
            facts["parallel_probe"] = results
            return [], facts
        ok = 1 + results.count("ok")
        facts["parallel_probe"] = {"connections": s.max_connections, "succeeded": ok,
                                   "results": ["ok", *results], "offsets": list(offsets)}
        ctx.transcript.add("probe", f"{ok}/{s.max_connections} parallel connections read at offsets")
        logged_in = 1 + sum(1 for login in st.parallel.logins if login.result == "ok")
        if ok < logged_in:  # the logins layer already reported connections that could not log in
            return [make_finding(
                "sftp.concurrency_limited",
                f"only {ok} of {s.max_connections} simultaneous connections could read",
                evidence=facts["parallel_probe"], working=ok)], facts
        return [], facts

    @staticmethod
    async def _read_here(ctx: Context[SftpSettings, SftpState], path: str,
                         offset: int) -> SourceError | TimeoutError | None:
        """Read at ``offset`` on the diagnosis connection: None, or why it failed."""
        assert ctx.state.source is not None
        try:
            await asyncio.wait_for(ctx.state.source.read(path, offset, PROBE_BYTES), ctx.step_timeout)
        except (SourceError, TimeoutError) as err:
            return err
        return None

    async def _read_on_extras(self, ctx: Context[SftpSettings, SftpState], path: str,
                              offsets: tuple[int, int]) -> list[str] | str:
        """Each extra connection's result once they logged in, or why they were not probed."""
        # The extra connections logged in while this connection checked the folder and files.
        parallel = ctx.state.parallel
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(parallel.done.wait(), ctx.step_timeout)
        if parallel.skipped is not None or not parallel.done.is_set():
            return f"skipped ({parallel.skipped or 'the logins did not finish'})"
        return list(await asyncio.gather(
            *(self._read_on(ctx, login, path, offsets) for login in parallel.logins)))

    @staticmethod
    async def _read_on(ctx: Context[SftpSettings, SftpState], login: ExtraLogin, path: str,
                       offsets: tuple[int, int]) -> str:
        if login.conn is None:
            return login.result
        if login.sftp is None:
            return f"failed: SFTP did not start ({login.sftp_error})"
        try:
            # Both offsets at once, as a chunked reader asks for them.
            await asyncio.wait_for(asyncio.gather(
                *(read_range(login.sftp, path, off, PROBE_BYTES) for off in offsets)),
                ctx.step_timeout)
            return "ok"
        except TimeoutError:
            return "timed out"
        except (asyncssh.Error, OSError) as exc:
            return f"failed: {type(exc).__name__}: {exc}"
        finally:
            login.conn.close()  # done with it; the run waits for the teardown at its end
