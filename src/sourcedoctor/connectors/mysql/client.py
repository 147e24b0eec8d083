"""The PyMySQL session of one run: one login, then bounded read-only statements.

PyMySQL is imported here only, and only when a run reaches the login layer (``sourcedoctor check
sftp://…`` and ``--help`` never load it). Its calls block, so each runs in a worker thread with
the step timeout around it; the driver's own connect/read/write timeouts are the same budget, so
the thread ends soon after a timeout too.

The login is made exactly once per run (a wrong password is never retried: servers count failed
logins, and MySQL blocks a host after ``max_connect_errors`` broken connections). Which
authentication plugin the server asked for is recorded from the greeting and from any
auth-switch request, so a refused login can name the method.

Statements are always parameterised by the driver, except identifiers, which MySQL cannot take
as parameters: those go through :func:`quote_identifier` (backticks, a backtick doubled) after
:func:`~.settings.identifier_problem` refused anything that is not a name.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ...checks.tls import client_context

if TYPE_CHECKING:
    from .settings import MysqlSettings

T = TypeVar("T")

#: Longest server message kept as evidence (a hostile server may send a huge one).
MESSAGE_CAP = 500


def quote_identifier(name: str) -> str:
    """``name`` as a MySQL quoted identifier: in backticks, each backtick doubled."""
    return "`" + name.replace("`", "``") + "`"


class ServerFailure(Exception):
    """A statement or the login failed: MySQL's error number (or the driver's, 2000+) and words."""

    def __init__(self, errno: int, message: str) -> None:
        super().__init__(errno, message)
        self.errno = errno
        self.message = message

    def __str__(self) -> str:
        return f"{self.errno}: {self.message}"


@dataclass
class LoginResult:
    """What the one login attempt saw: the session, or the failure; the plugins asked for."""

    session: MysqlSession | None
    failure: ServerFailure | None = None
    plugins: list[str] = field(default_factory=list)
    tls: bool = False
    timed_out: bool = False


def _failure(exc: BaseException) -> ServerFailure:
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    if len(args) >= 2 and isinstance(args[0], int):
        return ServerFailure(args[0], str(args[1])[:MESSAGE_CAP])
    return ServerFailure(0, f"{type(exc).__name__}: {exc}"[:MESSAGE_CAP])


def tls_context(settings: MysqlSettings) -> ssl.SSLContext:
    """The TLS context the login uses for ``settings.ssl_mode``: prefer/require encrypt without
    checking the certificate (as MySQL clients do), verify-ca checks the chain, verify-full also
    the host name."""
    if not settings.verify_certificate:
        return client_context(None, verify=False)
    ctx = client_context(settings.ca_bundle)
    ctx.check_hostname = settings.ssl_mode == "verify-full"
    return ctx


class MysqlSession:
    """One logged-in connection; every call runs in a worker thread within ``timeout``."""

    def __init__(self, conn: Any, timeout: float) -> None:
        self.conn = conn
        self.timeout = timeout

    async def run(self, fn: Callable[[], T]) -> T:
        """Run a blocking driver call off the event loop, within the step timeout."""
        return await asyncio.wait_for(asyncio.to_thread(self._guarded, fn), self.timeout)

    @staticmethod
    def _guarded(fn: Callable[[], T]) -> T:
        import pymysql

        try:
            return fn()
        except pymysql.MySQLError as exc:
            raise _failure(exc) from None

    async def query(self, sql: str, params: Sequence[Any] = (), *, limit: int = 10_000
                    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Rows (at most ``limit``) and the cursor's description of one statement."""
        def work() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
            with self.conn.cursor() as cur:
                cur.execute(sql, tuple(params) if params else None)
                rows = list(cur.fetchmany(limit)) if cur.description else []
                return rows, list(cur.description or [])
        return await self.run(work)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self.query(sql, params, limit=0)

    def close(self) -> None:
        # Closing a broken connection must not mask the diagnosis.
        with contextlib.suppress(Exception):
            self.conn.close()


async def login(settings: MysqlSettings, *, use_tls: bool, timeout: float) -> LoginResult:
    """Log in once (no database selected: that is the database layer's question)."""
    plugins: list[str] = []

    def connect() -> Any:
        import pymysql
        from pymysql.connections import Connection

        class Recording(Connection):  # type: ignore[misc]
            """Records every authentication plugin the server switches to."""

            def _process_auth(self, plugin_name: Any, auth_packet: Any, handler: Any = None) -> Any:
                plugins.append(plugin_name.decode("ascii", "replace")
                               if isinstance(plugin_name, bytes) else str(plugin_name))
                return super()._process_auth(plugin_name, auth_packet, handler)

        # As bytes: PyMySQL would encode a str as latin-1 and fail on any other character.
        password = (settings.password.get_secret_value() if settings.password is not None
                    else "").encode("utf-8")
        kwargs: dict[str, Any] = dict(
            host=settings.host, port=settings.port, user=settings.user or "", password=password,
            database=None, connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout,
            charset="utf8mb4", autocommit=True, program_name="sourcedoctor", local_infile=False)
        if use_tls:
            kwargs["ssl"] = tls_context(settings)
        else:
            kwargs["ssl_disabled"] = True
        try:
            return Recording(**kwargs)
        except pymysql.MySQLError as exc:
            raise _failure(exc) from None

    try:
        conn = await asyncio.wait_for(asyncio.to_thread(connect), timeout * 1.5)
    except ServerFailure as failure:
        return LoginResult(None, failure, plugins, use_tls)
    except TimeoutError:
        return LoginResult(None, ServerFailure(0, f"no answer within {timeout:g} s"), plugins,
                           use_tls, timed_out=True)
    return LoginResult(MysqlSession(conn, timeout), None, plugins, use_tls)
