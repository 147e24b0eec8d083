"""Layer 6 — auth: which login method the server asks for, then ONE login.

First a startup message without any password (:mod:`..wire`): the server's first answer names the
method its pg_hba.conf line chose for this client, user, database and encryption (trust, md5,
scram-sha-256, password, gss, sspi) — or the pg_hba.conf rejection itself, before any password.
Then one login with asyncpg. A 28P01 is ``db.password_rejected``; a rejection by pg_hba.conf is
``db.hba_rejected`` with the exact line to add, or ``db.tls_required`` when only an encrypted
connection would be accepted (hostssl) and the server offers TLS. A 3D000 (no such database) means
the password was accepted: the database layer reports it.
"""

from __future__ import annotations

import re
import ssl
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..client import connect, message, sqlstate, tls_context
from ..settings import PostgresSettings
from ..state import PostgresState
from ..wire import AuthProbe, WireError, probe_auth

_HBA_HOST = re.compile(r'host "([^"]+)"')
_NO_ROLE = re.compile(r'role "[^"]*" does not exist')
_UNSUPPORTED = {"gss", "sspi", "kerberos-v5", "scm-credential"}


#: How PostgreSQL is told to read pg_hba.conf again (the neutral db.hba_rejected fix names it).
PG_RELOAD = "SELECT pg_reload_conf(); (or pg_ctl reload)"


def pg_hba_rule(line: str) -> str:
    """The access rule for the catalogue's server-neutral fix steps, in PostgreSQL's words."""
    return f"add this line to pg_hba.conf, before any broader reject line: {line}"


def hba_line(
    *, encrypted: bool, database: str, user: str, address: str, method: str = "scram-sha-256"
) -> str:
    """The pg_hba.conf line that lets this client in (one address: /32 or /128)."""
    mask = "/128" if ":" in address else "/32"
    kind = "hostssl" if encrypted else "host"
    return f"{kind}  {_hba_word(database)}  {_hba_word(user)}  {address}{mask}  {method}"


def _hba_word(word: str) -> str:
    # pg_hba.conf quotes names with blanks, commas or upper case ("all" would be a keyword).
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", word) and word not in (
        "all",
        "sameuser",
        "samerole",
        "replication",
    ):
        return word
    return '"' + word.replace('"', '""') + '"'


class AuthCheck(Check[PostgresSettings, PostgresState]):
    """Ask which method the server wants (no password sent), then log in once."""

    id = "db.auth"
    title = "Login"
    needs = ("db.tls", "tls.handshake")  # a refused certificate stops here (skipped when unverified)
    timeout_steps = 2.5

    async def run(self, ctx: Context[PostgresSettings, PostgresState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        user, database = s.user or "", s.database or ""
        tls = tls_context(s) if st.use_tls else None


        async def attempt(tls: ssl.SSLContext | None) -> AuthProbe:
            return await probe_auth(s.host, s.port, user=user, database=database, tls=tls,
                                    server_hostname=s.server_hostname, timeout=ctx.step_timeout)

        try:
            probe = await attempt(tls)
            if (
                probe.sqlstate == "28000"
                and "no encryption" in probe.message
                and tls is None
                and st.ssl_answer == "S"
                and s.ssl_mode == "allow"
            ):
                # libpq's "allow" retries with TLS after a plain rejection: so do we.
                st.use_tls, tls = True, tls_context(s)
                probe = await attempt(tls)
        except (WireError, ssl.SSLError, OSError, EOFError) as exc:
            return Outcome.of(
                [
                    make_finding(
                        "db.auth_failed",
                        f"the server did not answer the startup message like PostgreSQL ({exc})",
                        evidence={"error": f"{type(exc).__name__}: {str(exc)[:300]}"},
                    )
                ]
            )
        st.probe = probe
        facts: dict[str, Any] = {"method": probe.method, "encrypted": probe.tls}
        if probe.mechanisms:
            facts["sasl_mechanisms"] = list(probe.mechanisms)
        ctx.transcript.add("auth", f"server asks for: {probe.method or probe.sqlstate}")
        if probe.error:
            return Outcome.of([self._rejected(ctx, probe)], **facts)
        if probe.method in _UNSUPPORTED:
            return Outcome.of(
                [
                    make_finding(
                        "db.auth_method_unsupported",
                        f"the server asks {user!r} to log in with {probe.method}, "
                        "which the platform cannot use",
                        evidence={"method": probe.method},
                        user=user,
                        rule=pg_hba_rule(self._line(ctx, probe.tls)),
                    )
                ],
                **facts,
            )
        if probe.method != "trust" and s.password is None:
            return Outcome.of(
                [
                    make_finding(
                        "auth.no_credentials",
                        f"the server asks for a password ({probe.method}) and none was given",
                        evidence={"method": probe.method, "field": "password_field"},
                    )
                ],
                **facts,
            )
        outcome = await self._login(ctx, facts)
        if probe.method == "trust" and st.conn is not None:
            # Logged in, but nothing about the password was proven: say so (a warning).
            outcome = Outcome.of([*outcome.findings, self._trusted(ctx, probe.tls)], **outcome.facts)
        return outcome

    def _trusted(self, ctx: Context[PostgresSettings, PostgresState], encrypted: bool) -> Finding:
        """``db.password_not_checked``: pg_hba.conf's trust let the login in without a password."""
        s = ctx.settings
        given = s.password is not None
        line = self._line(ctx, encrypted)
        return make_finding(
            "db.password_not_checked",
            f"the server let {s.user!r} in without checking a password (pg_hba.conf: trust): "
            + ("the password given was not verified and may be wrong" if given
               else "no password was given, and one checked elsewhere would be needed"),
            evidence={"method": "trust", "password_given": given, "hba_line": line},
            rule=pg_hba_rule(line),
        )

    async def _login(self, ctx: Context[PostgresSettings, PostgresState], facts: dict[str, Any]) -> Outcome:
        s, st = ctx.settings, ctx.state
        try:
            conn = await connect(s, use_tls=st.use_tls, timeout=ctx.step_timeout)
        except TimeoutError:
            raise
        except Exception as exc:
            state, text = sqlstate(exc), message(exc)
            if state == "3D000":  # authentication passed; the database layer names the databases
                st.login_error = (state, text)
                return Outcome.of(**facts, login="accepted (the database does not exist)")
            evidence = {"sqlstate": state, "server_message": text, "method": facts.get("method")}
            if state == "28P01":
                return Outcome.of(
                    [
                        make_finding(
                            "db.password_rejected",
                            f"the server refused the password of {s.user!r} ({text})",
                            evidence=evidence,
                            user=s.user,
                            reset=f"ALTER ROLE {_ident(s.user or '')} PASSWORD '…';",
                        )
                    ],
                    **facts,
                )
            if state == "28000" and st.probe is not None:
                return Outcome.of(
                    [self._rejected(ctx, AuthProbe(None, (), {"C": state, "M": text}, st.use_tls))], **facts
                )
            return Outcome.of(
                [
                    make_finding(
                        "db.auth_failed",
                        f"the login failed: {state or type(exc).__name__}: {text}",
                        evidence=evidence,
                    )
                ],
                **facts,
            )
        st.conn = conn
        ctx.resources.push_async_callback(conn.close, timeout=2)
        return Outcome.of(**facts, login="accepted")

    def _line(
        self, ctx: Context[PostgresSettings, PostgresState], encrypted: bool, seen: str | None = None
    ) -> str:
        st = ctx.state
        address = seen or (st.peer[0] if st.peer and st.peer[0] in ("127.0.0.1", "::1") else "CLIENT_IP")
        return hba_line(
            encrypted=encrypted,
            database=ctx.settings.database or "",
            user=ctx.settings.user or "",
            address=address,
        )

    def _rejected(self, ctx: Context[PostgresSettings, PostgresState], probe: AuthProbe) -> Finding:
        s, st = ctx.settings, ctx.state
        text, state = probe.message, probe.sqlstate
        seen = _HBA_HOST.search(text)
        address = seen.group(1) if seen else None
        evidence = {
            "sqlstate": state,
            "server_message": text,
            "client_address_seen": address,
            "encrypted": probe.tls,
        }
        if state == "28000" and "pg_hba.conf" in text:
            if not probe.tls and st.ssl_answer == "S" and "no encryption" in text:
                return make_finding(
                    "db.tls_required",
                    f"the server accepts {s.user!r} only over TLS (its pg_hba.conf has no plain 'host' "
                    f"line for this client), and sslMode={s.ssl_mode} does not encrypt",
                    evidence={**evidence, "ssl_mode": s.ssl_mode},
                )
            line = self._line(ctx, probe.tls, address)
            if ctx.target.cloud:
                evidence["platform_addresses"] = (
                    f"{ctx.target.name} connects from its own egress addresses, not {address or 'this one'}: "
                    "allow those in pg_hba.conf (and the firewall) too"
                )
            return make_finding(
                "db.hba_rejected",
                f"pg_hba.conf has no line that lets {s.user!r} into {s.database!r} from "
                f"{address or 'this address'} ({'TLS' if probe.tls else 'no encryption'})",
                evidence={**evidence, "hba_line": line},
                rule=pg_hba_rule(line),
                reload=PG_RELOAD,
            )
        if state == "28000" and "certificate" in text.lower():
            return make_finding(
                "db.auth_method_unsupported",
                f"the server wants a client certificate (cert authentication) for {s.user!r}: {text}",
                evidence={**evidence, "method": "cert"},
                user=s.user,
                rule=pg_hba_rule(self._line(ctx, True, address)),
            )
        if state == "28000" and _NO_ROLE.search(text):
            # The same cause as MySQL's 1045 for an unknown user: the same code and fix.
            evidence["role_exists"] = False
            return make_finding(
                "db.password_rejected",
                f"the server has no role {s.user!r} ({text})",
                evidence=evidence,
                fix=[f"Check the user name ({s.user}): the server has no role of that name.",
                     f"Or create it (the server's administrator): CREATE ROLE {_ident(s.user or '')} "
                     "LOGIN PASSWORD '…';"],
            )
        if state == "28P01":
            return make_finding(
                "db.password_rejected",
                f"the server refused {s.user!r} ({text})",
                evidence=evidence,
                user=s.user,
                reset=f"ALTER ROLE {_ident(s.user or '')} PASSWORD '…';",
            )
        return make_finding(
            "db.auth_failed", f"the server refused the connection: {state}: {text}", evidence=evidence
        )


def _ident(name: str) -> str:
    """A name quoted for a fix text shown to the administrator (not executed)."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'
