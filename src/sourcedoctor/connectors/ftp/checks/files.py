"""Layer 10 — files: the head of each sampled file, one ranged read each (never a whole file).

``RETR`` on a passive data connection, closed after ``head_bytes`` (the server answers 426, which
is expected). Then one ``REST`` probe: a server that refuses reads at an offset cannot serve a
Parquet footer or parallel chunked reads (``ftp.rest_unsupported``).
"""

from __future__ import annotations

from typing import Any

from ....checks.base import Check, Context, Outcome
from ....checks.listing import read_head
from ....codes import make_finding
from ....model import Finding
from ..errors import FtpError
from ..settings import FtpSettings
from ..source import FtpSourceError
from ..state import FtpState


class FilesCheck(Check[FtpSettings, FtpState]):
    """Read the head of each sampled file; probe REST once."""

    id = "ftp.files"
    title = "Files readable"
    needs = ("ftp.listing",)
    timeout_steps = 4.0

    async def run(self, ctx: Context[FtpSettings, FtpState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.source is not None and st.session is not None
        findings: list[Finding] = []
        failed: dict[str, str] = {}
        for entry in st.files[: s.sample_files]:  # one after another: one control connection
            head = await read_head(st, entry, s.head_bytes, FtpSourceError)
            if isinstance(head, bytes):
                st.heads[entry.path] = head
            else:
                failed[entry.path] = str(head.reply)
        if failed:
            findings.append(make_finding(
                "file.permission_denied", f"{len(failed)} file(s) could not be read: "
                f"{next(iter(failed.values()))}", evidence={"failed": failed}))
        facts: dict[str, Any] = {"opened": list(st.heads) + list(failed),
                                 "bytes_read": {p: len(h) for p, h in st.heads.items()}}
        probe = next((p for p, h in st.heads.items() if len(h) > 1), None)
        if probe is not None:
            try:
                await st.session.run(lambda ftp: ftp.sendcmd("REST 1"))
                await st.session.run(lambda ftp: ftp.sendcmd("REST 0"))  # leave no restart point behind
                facts["rest"] = "supported"
            except FtpError as err:
                if err.kind != "reply":
                    raise
                facts["rest"] = str(err)
                findings.append(make_finding(
                    "ftp.rest_unsupported", f"{s.host} refused REST: {err}",
                    evidence={"command": "REST 1", "reply": str(err)}))
        return Outcome.of(findings, **facts)
