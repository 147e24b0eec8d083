"""Layer 10 — files: open the first files the platform would ingest and read their first bytes.

Under a target that reads in parallel chunks (aep) also probe what the platform will do: several
connections at once (never more than ``--max-connections``) each reading one file at two offsets.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncssh

from ..codes import make_finding
from ..config.sftp import SftpSettings
from ..connectors.sftp.state import SftpState
from ..model import Finding
from ..sources.base import FileEntry, SourceError
from .base import Check, Context, Outcome

PROBE_BYTES = 64
#: What this layer reads of each file: enough to prove it opens and reads. The sample layer reads
#: the head it needs itself (more for plain files, less for compressed ones, a footer for Parquet).
OPEN_PROBE = 4096


class FilesCheck(Check[SftpSettings, SftpState]):
    """Read the head of each sampled file; probe parallel offset reads for chunking targets."""

    id = "sftp.files"
    title = "Files readable"
    needs = ("sftp.folder",)
    timeout_steps = 3.0

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        st, s = ctx.state, ctx.settings
        assert st.source is not None
        chosen = st.files[: s.sample_files]
        denied: list[str] = []
        unreadable: dict[str, str] = {}
        for entry in chosen:
            try:
                st.heads[entry.path] = await asyncio.wait_for(
                    st.source.read(entry.path, 0, min(OPEN_PROBE, s.head_bytes)), ctx.step_timeout)
            except SourceError as err:
                if err.kind == "permission_denied":
                    denied.append(entry.path)
                else:
                    unreadable[entry.path] = str(err)
        facts: dict[str, Any] = {"opened": [e.path for e in chosen],
                                 "bytes_read": {p: len(h) for p, h in st.heads.items()}}
        findings: list[Finding] = []
        if denied:
            findings.append(make_finding(
                "file.permission_denied",
                f"{len(denied)} of {len(chosen)} sampled files cannot be opened for reading",
                evidence={"files": denied}))
        if unreadable:
            facts["unreadable"] = unreadable
            findings.append(make_finding(
                "file.unreadable", f"{len(unreadable)} of {len(chosen)} sampled files could not be read",
                evidence={"files": unreadable}))
        if ctx.target.chunked_reads:
            readable = [e for e in chosen if e.path in st.heads and (e.size or 0) > 0]
            if readable:
                findings += await self._probe(ctx, readable[0], facts)
        return Outcome.of(findings, **facts)

    async def _probe(
        self, ctx: Context[SftpSettings, SftpState], entry: FileEntry, facts: dict[str, Any]
    ) -> list[Finding]:
        st, s = ctx.state, ctx.settings
        assert st.source is not None and st.session is not None and st.peer is not None
        size = entry.size or 0
        offsets = (0, size // 2)
        findings: list[Finding] = []
        try:
            await asyncio.wait_for(st.source.read(entry.path, offsets[1], PROBE_BYTES), ctx.step_timeout)
        except (SourceError, TimeoutError) as err:
            findings.append(make_finding(
                "sftp.range_read_unsupported",
                f"reading {entry.path} at offset {offsets[1]} failed ({err})",
                evidence={"file": entry.path, "offset": offsets[1], "error": str(err)}))
            return findings
        extra = s.max_connections - 1  # the diagnosis connection is the first of them
        if extra < 1 or st.auth_method not in ("password", "publickey"):
            facts["parallel_probe"] = "skipped (one connection, or a login that cannot be repeated)"
            return findings
        results = await asyncio.gather(
            *(self._one(ctx, entry.path, offsets) for _ in range(extra)))
        ok = 1 + sum(1 for r in results if r == "ok")
        facts["parallel_probe"] = {"connections": s.max_connections, "succeeded": ok,
                                   "results": ["ok", *results], "offsets": list(offsets)}
        ctx.transcript.add("probe", f"{ok}/{s.max_connections} parallel connections read at offsets")
        if ok < s.max_connections:
            findings.append(make_finding(
                "sftp.concurrency_limited",
                f"only {ok} of {s.max_connections} simultaneous connections could read",
                evidence=facts["parallel_probe"], working=ok))
        return findings

    async def _one(
        self, ctx: Context[SftpSettings, SftpState], path: str, offsets: tuple[int, int]
    ) -> str:
        st, s = ctx.state, ctx.settings
        assert st.session is not None and st.peer is not None and st.session.host_key is not None
        pw = s.password.get_secret_value() if s.password and st.auth_method == "password" else None
        key = st.client_key if st.auth_method == "publickey" else None
        conn = None
        try:
            conn = await asyncio.wait_for(asyncssh.connect(
                st.peer[0], st.peer[1], username=s.user,
                known_hosts=([st.session.host_key], [], []),  # the key just verified, nothing else
                password=pw, client_keys=[key] if key else None, agent_path=None,
                preferred_auth=[st.auth_method or "password"], config=None,
            ), ctx.step_timeout)
            async with conn.start_sftp_client() as sftp, sftp.open(path, "rb") as fh:
                for off in offsets:
                    await fh.read(PROBE_BYTES, off)
            return "ok"
        except (ConnectionResetError, asyncssh.ConnectionLost, BrokenPipeError) as exc:
            return f"dropped before login ({type(exc).__name__})"
        except TimeoutError:
            return "timed out"
        except (asyncssh.Error, OSError) as exc:
            return f"failed: {type(exc).__name__}: {exc}"
        finally:
            if conn is not None:
                conn.close()
                with contextlib.suppress(Exception):
                    await conn.wait_closed()
