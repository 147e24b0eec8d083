"""Layer 8 — folder: does the folder exist, is it a folder, may this user enter it?

``CWD`` into the folder and back to the login folder (later layers use paths relative to it).
A refusal (550) is told apart by the server's words and a ``SIZE`` probe: a file where the
folder belongs (``path.not_a_directory``), a permission refusal (``path.permission_denied``),
else ``path.not_found`` with the login folder, so a chrooted path can be corrected.
"""

from __future__ import annotations

import posixpath
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ..errors import FtpError
from ..settings import FtpSettings
from ..source import kind_of
from ..state import FtpState


class FolderCheck(Check[FtpSettings, FtpState]):
    """Enter the folder once, then go back to the login folder."""

    id = "ftp.folder"
    title = "Folder"
    needs = ("ftp.data_channel",)
    timeout_steps = 3.0

    async def run(self, ctx: Context[FtpSettings, FtpState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.session is not None
        folder = s.folder
        facts: dict[str, Any] = {"folder": folder or "(login folder)", "login_folder": st.login_folder}
        if not folder:
            return Outcome.of(**facts)
        try:
            await st.session.run(lambda ftp: ftp.cwd(folder))
        except FtpError as err:
            if err.kind != "reply":
                raise
            return Outcome.of([await self._refused(ctx, err)], **facts)
        if st.login_folder:
            await st.session.run(lambda ftp: ftp.cwd(st.login_folder))
        return Outcome.of(**facts)

    async def _refused(self, ctx: Context[FtpSettings, FtpState], err: FtpError) -> Any:
        s, st = ctx.settings, ctx.state
        assert st.session is not None
        folder = s.folder
        evidence: dict[str, Any] = {"command": f"CWD {folder}", "reply_code": err.code,
                                    "reply": err.text[:300], "login_folder": st.login_folder}
        kind = kind_of(err)
        if kind != "permission_denied":
            try:
                size = await st.session.run(lambda ftp: ftp.size(folder))
            except FtpError:
                size = None
            if size is not None:
                evidence["size"] = size
                parent = posixpath.dirname(folder.rstrip("/"))
                name = posixpath.basename(folder.rstrip("/"))
                where = f"{s.scheme}://{s.login_user}@{s.host}:{s.port}/{parent}".rstrip("/")
                return make_finding(
                    "path.not_a_directory", f"{folder} is a file ({size} bytes), not a folder",
                    evidence={**evidence, "parent": parent or "(login folder)", "file": name},
                    fix=[f"Give the folder that holds it and name the file: {where} --file "
                         f"{name} (platform: folder {parent or '/'}, then select {name})."])
        if kind == "permission_denied":
            return make_finding("path.permission_denied", f"{s.login_user} may not enter {folder}: "
                                f"{err}", evidence=evidence, folder=folder,
                                fix=[f"On the FTP server: give {s.login_user} list (and read) "
                                     f"permission on {folder} and every folder above it."])
        return make_finding(
            "path.not_found", f"{folder} does not exist for {s.login_user} ({err})", evidence=evidence,
            fix=[f"Use the path as {s.login_user} sees it after login (the login folder is "
                 f"{st.login_folder}); a chrooted account does not see the server's real paths.",
                 f"Look: curl --user {s.login_user} {s.scheme.split('+')[0]}://{s.host}:{s.port}/ "
                 "(lists the login folder)"])
