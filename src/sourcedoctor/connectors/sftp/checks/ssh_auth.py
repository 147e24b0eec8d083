"""Layer 7 — authentication: which methods the server allows, and what it said to each credential.

asyncssh sends a ``none`` request first, so the methods the server allows are known before any
credential is used, and each credential is offered at most once (fail2ban-safe). The sequence of
allowed-method lists is the evidence: a list that loses ``publickey`` right after our key was
offered means the key was accepted and a second method is demanded (partial success).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncssh

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ....model import Finding, Severity
from ....sentence import say
from ..session import SshSession
from ..settings import SftpSettings
from ..state import SftpState


def allowed_methods(session: SshSession) -> list[str]:
    """The server's first answer to ``none``: every method it allows."""
    return list(session.auth_steps[0].allowed) if session.auth_steps else []


def partial_success(session: SshSession) -> bool:
    """Our key was offered while the server listed publickey, and the next list the server sent
    no longer has it. (A key sent before the server's list arrived, to a server that does not
    take keys, was refused, not partially accepted.)"""
    steps = session.auth_steps
    for i, step in enumerate(steps):
        if step.method == "publickey" and step.offered and "publickey" in step.allowed:
            later = steps[i + 1 :]
            return bool(later) and "publickey" not in later[0].allowed
    return False


def _key_facts(ctx: Context[SftpSettings, SftpState]) -> dict[str, Any]:
    report = ctx.state.key_report
    if report is None:
        return {}
    return {
        "key_fingerprint": getattr(report, "fingerprint_sha256", None),
        "key_type": getattr(report, "key_type", None),
        "authorized_keys_line": getattr(report, "authorized_keys_line", None),
    }


class AuthCheck(Check[SftpSettings, SftpState]):
    """Wait for the login to finish on the shared connection and explain its outcome."""

    id = "ssh.auth"
    title = "Authentication"
    needs = ("ssh.hostkey",)
    after = ("ssh.key",)
    timeout_steps = 2.0

    async def run(self, ctx: Context[SftpSettings, SftpState]) -> Outcome:
        session = ctx.state.session
        assert session is not None and session.connect_task is not None
        s, st = ctx.settings, ctx.state
        have_pw = s.password is not None
        have_key = st.client_key is not None
        if not have_pw and not have_key and s.has_key:
            return Outcome.blocked("ssh.key", note="the key could not be loaded; nothing else to try")
        try:
            # Shielded: a timeout here ends this check (check.timeout), while the session's own
            # cleanup still owns the connect task.
            conn = await asyncio.wait_for(asyncio.shield(session.connect_task), ctx.step_timeout * 2)
        except (asyncssh.Error, OSError) as exc:
            return self._failed(ctx, session, exc)
        st.conn = conn
        steps = session.auth_steps
        used = next((x.method for x in reversed(steps) if x.offered), "none")
        st.auth_method = used
        facts: dict[str, Any] = {
            "allowed_methods": allowed_methods(session), "method_used": used,
            "attempts": [x.method for x in steps if x.offered], **_key_facts(ctx),
        }
        if session.auth_banner:
            facts["auth_banner"] = session.auth_banner
        findings: list[Finding] = []
        if partial_success(session):
            findings.append(make_finding(
                "auth.partial_success",
                "the key was accepted, then the server demanded a password as well",
                evidence=facts,
                severity=None if not ctx.target.multi_step_auth else Severity.INFO,
            ))
        key_offered = any(x.method == "publickey" and x.offered for x in steps)
        if key_offered and used != "publickey" and not partial_success(session):
            findings.append(make_finding(
                "auth.key_rejected",
                f"the key ({facts.get('key_fingerprint')}) was refused; the {used} login worked",
                evidence=facts, severity=Severity.WARN, user=s.user,
                authorized_keys_line=facts.get("authorized_keys_line") or "(the key's .pub line)",
            ))
        if used == "keyboard-interactive":
            findings.append(make_finding(
                "auth.keyboard_interactive_only",
                "the password only works through keyboard-interactive",
                evidence=facts, severity=Severity.INFO if ctx.target.keyboard_interactive else None,
            ))
        return Outcome.of(findings, **facts)

    def _failed(
        self, ctx: Context[SftpSettings, SftpState], session: SshSession, exc: BaseException
    ) -> Outcome:
        s, st = ctx.settings, ctx.state
        if isinstance(exc, asyncssh.HostKeyNotVerifiable):
            return Outcome.blocked("ssh.hostkey")
        allowed = allowed_methods(session)
        facts: dict[str, Any] = {
            "allowed_methods": allowed, "attempts": [x.method for x in session.auth_steps if x.offered],
            "error": f"{type(exc).__name__}: {exc}", **_key_facts(ctx),
        }
        if session.auth_banner:
            facts["auth_banner"] = session.auth_banner
        reason = str(getattr(exc, "reason", "") or exc).lower()
        if "too many" in reason:
            return Outcome.of([make_finding(
                "auth.too_many_failures", say("the server cut the login off: {error}", error=str(exc)),
                evidence=facts)],
                **facts)
        have_pw = s.password is not None
        have_key = st.client_key is not None
        allowed_txt = ", ".join(allowed) or "none"
        if not have_pw and not have_key:
            return Outcome.of([make_finding(
                "auth.no_credentials", f"no password or key given; the server allows: {allowed_txt}",
                evidence=facts)], **facts)
        if not isinstance(exc, asyncssh.PermissionDenied) and not allowed:
            return Outcome.of([make_finding(
                "auth.disconnected",
                say("the server closed the connection during login ({error})", error=str(exc)),
                evidence=facts)], **facts)
        findings: list[Finding] = []
        if partial_success(session):
            second = "the password was refused too" if have_pw else "no password was given"
            findings.append(make_finding(
                "auth.partial_success",
                f"the key was accepted, but the server also demands a password ({second})",
                evidence=facts))
        elif have_key:
            if "publickey" in allowed:
                findings.append(make_finding(
                    "auth.key_rejected",
                    say("the server refused the key {fingerprint} for user {user}",
                        fingerprint=facts.get("key_fingerprint"), user=s.user),
                    evidence=facts, user=s.user,
                    authorized_keys_line=facts.get("authorized_keys_line") or "(the key's .pub line)"))
            else:
                findings.append(self._not_offered("publickey", allowed_txt, facts))
        if have_pw and not partial_success(session):
            if "password" in allowed:
                findings.append(make_finding(
                    "auth.password_rejected",
                    say("the server refused the password for user {user}", user=s.user),
                    evidence=facts, user=s.user))
            elif "keyboard-interactive" in allowed:
                if ctx.target.keyboard_interactive:
                    findings.append(make_finding(
                        "auth.password_rejected",
                        say("the password was refused (through keyboard-interactive) for user {user}",
                            user=s.user),
                        evidence=facts, user=s.user))
                else:
                    findings.append(make_finding(
                        "auth.keyboard_interactive_only",
                        f"the server takes passwords only through keyboard-interactive, which "
                        f"{ctx.target.name} cannot use (allowed: {allowed_txt})", evidence=facts))
            else:
                findings.append(self._not_offered("password", allowed_txt, facts))
        if not findings:  # a credential we had was never asked for: say what the server allowed
            findings.append(self._not_offered("publickey" if have_key else "password",
                                              allowed_txt, facts))
        return Outcome.of(findings, **facts)

    @staticmethod
    def _not_offered(method: str, allowed_txt: str, facts: dict[str, Any]) -> Finding:
        return make_finding(
            "auth.method_not_offered",
            f"the server does not allow {method} for this user (it allows: {allowed_txt})",
            evidence=facts, allowed=allowed_txt)
