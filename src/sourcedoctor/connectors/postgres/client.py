"""asyncpg, wrapped: TLS contexts per sslMode, one login, errors by SQLSTATE.

asyncpg is imported only inside functions: importing this module (or the connector) must not load
it (``sourcedoctor check sftp://…`` never does).
"""

from __future__ import annotations

import ssl
from typing import Any

from ...checks.tls import client_context
from .settings import PostgresSettings


def tls_context(settings: PostgresSettings) -> ssl.SSLContext:
    """The context the login uses when it encrypts: verify-full checks chain and name, verify-ca
    the chain only, the other modes encrypt without checking (as libpq does)."""
    mode = settings.ssl_mode
    if mode == "verify-full":
        ctx = client_context(settings.ca_bundle)
        # HostNameInCertificate: the TLS layer verified the certificate against that name; the
        # login connects to the host name, which the certificate need not carry.
        ctx.check_hostname = settings.server_hostname == settings.host
        return ctx
    if mode == "verify-ca":
        ctx = client_context(settings.ca_bundle)
        ctx.check_hostname = False
        return ctx
    return client_context(None, verify=False)


async def connect(
    settings: PostgresSettings, *, use_tls: bool, timeout: float, database: str | None = None
) -> Any:
    """One login with asyncpg (no retry, no fallback between TLS and plain)."""
    import asyncpg

    return await asyncpg.connect(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password,
        database=database or settings.database,
        timeout=timeout,
        ssl=tls_context(settings) if use_tls else False,
        direct_tls=False,
        server_settings={
            "application_name": "sourcedoctor",
            # A session that cannot write, whatever the user's privileges.
            "default_transaction_read_only": "on",
        },
        statement_cache_size=0,
    )


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of an asyncpg server error, else None."""
    state = getattr(exc, "sqlstate", None)
    return str(state) if state else None


def message(exc: BaseException, limit: int = 500) -> str:
    """A server error's message, bounded (a hostile server may send megabytes)."""
    text = str(getattr(exc, "message", None) or exc)
    return text if len(text) <= limit else text[: limit - 1] + "…"
