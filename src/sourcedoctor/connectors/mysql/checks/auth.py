"""Layer 6 — login: one attempt, over TLS when the TLS layer chose it, no database selected.

Which method the server wants is known before any secret is sent (the greeting's default plugin)
and during the login (an auth-switch request names the account's own plugin). Error numbers say
the rest: 1045 refused password (servers answer the same for an unknown user), 1698 an account
without a usable password (unix_socket), 2059 a plugin the client cannot answer, 3159 (MySQL)
TLS required by the server. MariaDB answers 1045 for an account that REQUIRE SSL and for
require_secure_transport too, so a refusal over an unencrypted connection to a server offering
TLS names that possibility in the same finding (a second login to find out is never made).
"""

from __future__ import annotations

import re
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding
from ..client import LoginResult, login
from ..settings import MysqlSettings
from ..state import MysqlState

#: Plugins the platform's MySQL driver answers (MySQL Connector family). ed25519, PAM (dialog),
#: GSSAPI and clear-text plugins are MariaDB/enterprise-only or unsafe without TLS.
PLATFORM_PLUGINS = frozenset({"mysql_native_password", "caching_sha2_password", "sha256_password"})
SECURE_TRANSPORT_ERRNOS = frozenset({3159})
#: The client host in a refusal: "Access denied for user 'u'@'10.0.0.5' (using password: YES)".
_SEEN_HOST = re.compile(r"for user '(?:[^']|'')*'@'([^']*)'")


def _plugin(result: LoginResult, default: str | None) -> str | None:
    return result.plugins[-1] if result.plugins else default


class AuthCheck(Check[MysqlSettings, MysqlState]):
    """Log in once; name the refused password, the method or the TLS demand."""

    id = "db.auth"
    title = "Login"
    needs = ("tls.handshake",)
    timeout_steps = 2.0  # the login's own connect (1.5 budgets) comes back first

    async def run(self, ctx: Context[MysqlSettings, MysqlState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        greeting = st.greeting
        assert greeting is not None
        if not s.user:
            return Outcome.of([make_finding(
                "auth.no_credentials", "no user name: give mysql://USER@host or UID= in the "
                "connection string", evidence={"field": "user"},
                fix=["Give the login user: mysql://USER@host:3306/db (or --user, or UID=…)."])])
        result = await login(s, use_tls=st.use_tls, timeout=ctx.step_timeout)
        plugin = _plugin(result, greeting.auth_plugin)
        facts: dict[str, Any] = {"user": s.user, "tls": result.tls, "auth_plugin": plugin,
                                 "server_default_plugin": greeting.auth_plugin,
                                 "password_given": s.password is not None}
        ctx.transcript.add("db", f"login as {s.user} over {'TLS' if result.tls else 'plain TCP'}: "
                           f"{'ok' if result.session else result.failure}")
        if result.session is None:
            assert result.failure is not None
            return Outcome.of([self._refused(ctx, result, plugin)], **facts)
        st.session = result.session
        ctx.resources.callback(result.session.close)
        rows, _ = await result.session.query("SELECT CURRENT_USER(), @@version")
        st.account = str(rows[0][0]) if rows else None
        facts["account"] = st.account
        return Outcome.of(self._judge_plugin(ctx, plugin, result.tls), **facts)

    def _judge_plugin(self, ctx: Context[MysqlSettings, MysqlState], plugin: str | None,
                      tls: bool) -> list[Finding]:
        """Under a cloud target: a method the platform's driver cannot answer, though we could."""
        if not ctx.target.cloud or plugin is None:
            return []
        s = ctx.settings
        account = _account(ctx)
        if plugin not in PLATFORM_PLUGINS:
            return [make_finding(
                "db.auth_method_unsupported", f"{account} logs in with {plugin}, which the "
                f"{ctx.target.name} platform's MySQL driver does not answer",
                evidence={"auth_plugin": plugin, "platform_plugins": sorted(PLATFORM_PLUGINS)},
                fix=[f"Switch the account to a password plugin the platform speaks: ALTER USER "
                     f"{account} IDENTIFIED WITH mysql_native_password BY '…'; (MariaDB: "
                     f"IDENTIFIED VIA mysql_native_password USING PASSWORD('…'))"])]
        if plugin == "caching_sha2_password" and not tls:
            return [make_finding(
                "db.auth_method_unsupported", f"{account} uses caching_sha2_password over an "
                "unencrypted connection: its full login needs TLS or the server's RSA public key",
                evidence={"auth_plugin": plugin, "tls": False, "ssl_mode": s.ssl_mode},
                fix=["Turn TLS on (sslMode=require) — or allow public-key retrieval on the "
                     "platform's side (AllowPublicKeyRetrieval=true) — or switch the account: "
                     f"ALTER USER {account} IDENTIFIED WITH mysql_native_password BY '…';"])]
        return []

    def _refused(self, ctx: Context[MysqlSettings, MysqlState], result: LoginResult,
                 plugin: str | None) -> Finding:
        s, st = ctx.settings, ctx.state
        assert result.failure is not None and st.greeting is not None
        err = result.failure
        evidence: dict[str, Any] = {"errno": err.errno, "message": err.message, "tls": result.tls,
                                    "auth_plugin": plugin, "plugins_asked": result.plugins}
        seen = _SEEN_HOST.search(err.message)
        # The login failed, so CURRENT_USER() is unknown: the host the server saw is the best
        # guess of the account's host, and the fix says how to find the real one.
        account = f"'{s.user}'@'{seen.group(1)}'" if seen else f"'{s.user}'@'%'"
        if seen:
            evidence["client_host_seen"] = seen.group(1)
        find = (f"(the server saw this client as {seen.group(1) if seen else 'an unknown host'}; the "
                f"account's own host: SELECT user, host FROM mysql.user WHERE user = '{s.user}')")
        if result.timed_out:
            return make_finding("db.auth_failed", f"the login got no answer within "
                                f"{ctx.step_timeout:g} s", evidence=evidence)
        if err.errno in SECURE_TRANSPORT_ERRNOS or "secure transport" in err.message.lower():
            return make_finding("db.tls_required", f"the server refuses unencrypted logins "
                                f"({err.errno}: {err.message[:200]})", evidence=evidence)
        if err.errno == 1045:
            tls_possible = not result.tls and st.greeting.supports_tls
            also = (" — or the account requires TLS (REQUIRE SSL, require_secure_transport), which "
                    "sslMode=disable does not give; MariaDB answers both the same") if tls_possible else ""
            fix = [f"Check the user name ({s.user}) and copy the password again; the server's "
                   f"administrator can reset it: ALTER USER {account} IDENTIFIED BY '…'; (or, "
                   f"when the account does not exist: CREATE USER {account} IDENTIFIED BY '…';) "
                   + find]
            if tls_possible:
                evidence["tls_offered_but_unused"] = True
                fix.append("If the account or server requires TLS: set sslMode=require (the server "
                           "offers TLS).")
            if s.password is None:
                evidence["password_given"] = False
                fix.insert(0, "No password was given: pass it with --password-env VAR (PWD= in the "
                              "connection string).")
            return make_finding("db.password_rejected", f"the server refused the login of {s.user} "
                                f"(1045: {err.message[:200]}){also}", evidence=evidence, fix=fix)
        if err.errno == 1698 or err.errno in (2059, 2061) or "plugin" in err.message.lower():
            named = plugin or "an authentication plugin"
            if err.errno == 1698:
                named = "unix_socket (or no password at all)"
            return make_finding(
                "db.auth_method_unsupported", f"the account {s.user} logs in with {named}, which a "
                f"network client with a password cannot use ({err.errno}: {err.message[:200]})",
                evidence=evidence,
                fix=[f"Give the account a password login: ALTER USER {account} IDENTIFIED VIA "
                     "mysql_native_password USING PASSWORD('…'); (MySQL: IDENTIFIED WITH "
                     "mysql_native_password BY '…')"])
        if err.errno == 2026 or "ssl" in err.message.lower():
            return make_finding("tls.handshake_failed", f"the login's TLS handshake failed "
                                f"({err.message[:200]})", evidence=evidence, host=s.host, port=s.port,
                                server_hostname=s.server_hostname)
        return make_finding("db.auth_failed", f"the login failed ({err.errno}: {err.message[:200]})",
                            evidence=evidence)


def _account(ctx: Context[MysqlSettings, MysqlState]) -> str:
    """The account as the server matched it (``'u'@'%'``), for GRANT/ALTER statements."""
    found = ctx.state.account
    if found and "@" in found:
        user, _, host = found.rpartition("@")
        return f"'{user}'@'{host}'"
    return f"'{ctx.settings.user}'@'%'"
