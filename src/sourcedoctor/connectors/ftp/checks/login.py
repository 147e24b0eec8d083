"""Layer 6 — login: one USER/PASS exchange on the session every later layer uses.

The session is a new control connection (the greeting layer's probe connection was handed to the
TLS layer, which closes it after judging the certificate). Exactly one login attempt is made per
run: a second one would count against the account's lockout. A plain ``ftp://`` login that the
server refuses because it wants TLS is ``ftp.tls_required`` (the password was never checked);
any other refusal is ``ftp.login_failed`` with the server's words. After login: binary mode
(``TYPE I``) and, for FTPS, ``PBSZ 0`` + ``PROT P`` (or ``PROT C`` when asked).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, ClassVar

from ....checks.base import Check, Context, Outcome
from ....checks.tls import client_context
from ....codes import make_finding
from ....model import Finding
from ..errors import FtpError
from ..settings import FtpSettings
from ..state import FtpState

if TYPE_CHECKING:
    from ..client import FtpSession

#: The PASS answer's budget in step timeouts.
PASS_STEPS = 2.0
_TLS_WORDS = ("tls", "ssl", "secure", "encrypt", "auth ")


def wants_tls(err: FtpError) -> bool:
    """A refusal that is about the missing TLS, not about the credentials."""
    return err.kind == "reply" and (err.code == 534 or any(w in err.text.lower() for w in _TLS_WORDS))


async def _optional(call: Awaitable[str]) -> str | None:
    """The answer of a command whose refusal is not a fault (None when refused)."""
    try:
        return await call
    except FtpError as err:
        if err.kind != "reply":
            raise
        return None


class LoginCheck(Check[FtpSettings, FtpState]):
    """Open the session, log in once, set binary mode and data protection."""

    id = "ftp.login"
    title = "Login"
    needs: ClassVar[tuple[str, ...]] = ("ftp.greeting",)
    timeout_steps = 3.0 + PASS_STEPS  # connect + greeting (+ TLS), USER, PASS, TYPE/PWD/FEAT/PROT

    async def run(self, ctx: Context[FtpSettings, FtpState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        values: dict[str, Any] = {"user": s.login_user, "host": s.host, "port": s.port,
                                  "folder": s.folder}
        if s.password is None and s.user not in (None, "anonymous", "ftp"):
            return Outcome.of([make_finding(
                "auth.no_credentials", f"no password for {s.user}; nothing was sent",
                evidence={"user": s.user},
                fix=["Give the password: --password-env VAR (or --password-stdin); platform "
                     "field 'password'."])])
        from ..client import FtpSession  # ftplib only once a run reaches the login

        context = client_context(s.ca_bundle) if s.tls else None
        try:
            session = await FtpSession.open(s, ctx.step_timeout, context)
        except FtpError as err:
            return Outcome.of([self._session_failed(err, s, values)])
        st.session = session
        ctx.resources.push_async_callback(session.aclose)
        step = "USER"
        try:
            said = await session.run(lambda ftp: ftp.sendcmd(f"USER {s.login_user}"))
            if said.startswith("3"):
                step = "PASS"
                password = s.password.get_secret_value() if s.password is not None else "anonymous@"
                # Servers delay a refused login on purpose (pyftpdlib 3 s, vsftpd delay_failed_login).
                said = await session.run(lambda ftp: ftp.sendcmd(f"PASS {password}"), steps=PASS_STEPS)
        except FtpError as err:
            return Outcome.of([self._refused(err, step, s, values)])
        ctx.transcript.add("ftp", f"login as {s.login_user}: {said[:120]}")
        facts: dict[str, Any] = {"user": s.login_user, "login_reply": said[:200]}
        findings: list[Finding] = []
        try:
            # A refusal of these is a fact, not a fault: the layers that need them say so.
            facts["binary_mode"] = await _optional(session.run(lambda ftp: ftp.sendcmd("TYPE I")))
            st.login_folder = await _optional(session.run(lambda ftp: ftp.pwd()))
            facts["login_folder"] = st.login_folder
            st.features = await self._features(session)
            facts["features"] = st.features
            if s.tls:
                findings += await self._protect(session, s, facts)
        except FtpError as err:
            return Outcome.of([self._session_failed(err, s, values)], **facts)
        return Outcome.of(findings, **facts)

    @staticmethod
    async def _features(session: FtpSession) -> list[str]:
        try:
            text = await session.run(lambda ftp: ftp.sendcmd("FEAT"))
        except FtpError as err:
            if err.kind != "reply":
                raise
            return []
        return [ln.strip() for ln in text.split("\n")[1:-1]][:50]

    @staticmethod
    async def _protect(session: FtpSession, s: FtpSettings, facts: dict[str, Any]) -> list[Finding]:
        level = "P" if s.data_protection == "private" else "C"
        try:
            await session.run(lambda ftp: ftp.sendcmd("PBSZ 0"))
            said = await session.run(lambda ftp: ftp.sendcmd(f"PROT {level}"))
        except FtpError as err:
            if err.kind != "reply" or level == "C":
                raise
            return [make_finding(
                "ftp.tls_unavailable", f"{s.host} refused PROT P: data connections cannot be "
                f"encrypted ({err})", evidence={"command": "PROT P", "reply": str(err)},
                host=s.host, port=s.port)]
        if level == "P":
            session.ftp._prot_p = True  # type: ignore[attr-defined]  # ftplib wraps data sockets
        facts["data_protection"] = f"PROT {level}: {said[:100]}"
        return []

    @staticmethod
    def _refused(err: FtpError, step: str, s: FtpSettings, values: dict[str, Any]) -> Finding:
        evidence = {"command": step, "reply_code": err.code, "reply": err.text[:500]}
        if err.kind == "reply" and wants_tls(err) and s.tls_mode == "none":
            return make_finding("ftp.tls_required", f"{s.host} refused the plain-FTP login: {err}",
                                evidence=evidence, **values)
        if step == "PASS" and err.kind == "connection" and err.text == "timed out":
            return make_finding("ftp.login_failed", f"{s.host} did not answer the password within "
                                "the timeout (a refused login is often answered late on purpose; a "
                                "larger --timeout shows the refusal)", evidence=evidence, **values)
        if err.kind != "reply":
            return LoginCheck._session_failed(err, s, values)
        if s.user is None:
            # No user in the URL: the login was anonymous, and the server does not allow it.
            where = f"{s.scheme}://USER@{s.host}:{s.port}/{s.folder}".rstrip("/")
            return make_finding(
                "ftp.login_failed", f"no user was given, so the login was anonymous, and {s.host} "
                f"refused it at {step}: {err}", evidence={**evidence, "anonymous": True}, **values,
                fix=[f"Give the user name in the URL ({where}) and the password with "
                     "--password-env VAR (in the app: the User and Password fields).",
                     "Only if the server should allow anonymous reading: enable it there "
                     "(vsftpd anonymous_enable=YES, ProFTPD <Anonymous>)."])
        return make_finding("ftp.login_failed", f"{s.host} refused the login of {s.login_user} "
                            f"at {step}: {err}", evidence=evidence, **values)

    @staticmethod
    def _session_failed(err: FtpError, s: FtpSettings, values: dict[str, Any]) -> Finding:
        if err.kind == "protocol":
            return make_finding("ftp.protocol_error", f"{s.host}: {err.text}",
                                evidence={"problem": err.text}, **values)
        if err.kind == "reply":
            return make_finding("ftp.greeting_refused", f"{s.host} refused the session: {err}",
                                evidence={"reply_code": err.code, "reply": err.text[:500]}, **values)
        return make_finding("ftp.no_greeting", f"the session to {s.host} failed: {err.text}",
                            evidence={"how": err.kind, "error": err.text}, **values)


class TlsLoginCheck(LoginCheck):
    """Login after the TLS layer (ftps:// and ftps+implicit://)."""

    needs: ClassVar[tuple[str, ...]] = ("ftp.greeting", "tls.handshake")
