"""The key layer of an SSH diagnosis: inspect the private key before any network use.

A key that loads (even after normalising CRLF or base64, or converting PPK in memory) is handed to
the auth layer through ``ctx.state.client_key``; findings about its
format stay in this layer's result.
"""

from __future__ import annotations

import asyncio

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....keys import KeySourceError, inspect_key, read_key_source
from ..settings import SftpSettings
from ..state import SftpState


class KeyCheck(Check[SftpSettings, SftpState]):
    """Inspect ``key_path`` or ``key_content`` (with ``passphrase``) against the target's rules."""

    id = "ssh.key"
    title = "Private key"
    #: One step for reading and decrypting, with room for starting the decryption's child process.
    timeout_steps = 1.5

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        settings = ctx.settings
        if settings.key_path is None and settings.key_content is None:
            return Outcome.not_applicable("no key given")
        name = "KEY"
        if settings.key_path is not None:
            name = settings.key_path if settings.key_path != "-" else "KEY"
            try:
                data: bytes | str = await asyncio.to_thread(read_key_source, settings.key_path)
            except KeySourceError as exc:
                ctx.state.key_unusable = True
                return Outcome.of(
                    [
                        make_finding(
                            "config.invalid",
                            f"key_path: {exc}",
                            evidence={"field": "key_path"},
                            field="key_path",
                        )
                    ]
                )
        else:
            assert settings.key_content is not None
            data = settings.key_content.get_secret_value()
        passphrase = settings.passphrase.get_secret_value() if settings.passphrase else None
        # Decryption (bcrypt, Argon2) is CPU work: keep it off the event loop. A costly one runs
        # in a child process with one step's budget (inside this check's), so it ends on time.
        try:
            report = await asyncio.to_thread(
                inspect_key, data, passphrase=passphrase, target=ctx.target, source_name=name,
                budget=ctx.step_timeout,
            )
        except asyncio.CancelledError:
            from ....keys.kdf_worker import abandon_all

            abandon_all()  # the thread's child, so the thread (and the process) can end now
            raise
        ctx.state.client_key = report.private_key
        ctx.state.key_report = report
        ctx.state.key_unusable = report.private_key is None
        return Outcome.of(report.findings, **report.facts())
