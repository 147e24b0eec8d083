"""Why a server ends the SFTP session right after a successful login, and how to check each cause.

The client cannot see the server's configuration, only what happened on the wire (see
:mod:`sourcedoctor.connectors.sftp.subsystem`). Each observation narrows the causes; this module
orders them for that observation and gives the administrator the exact commands that confirm one
on the server (OpenSSH's own: ``sshd -T -C`` prints the effective settings for a user, Match blocks
applied) and its fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from ....sentence import Sentence, say
from ..subsystem import SubsystemObservation

#: Exit status of a shell whose command was not found.
COMMAND_NOT_FOUND = 127
#: What nologin(8) / false print or how they are recognised in the session's text.
_NOLOGIN_TEXT = ("not available", "nologin", "account is disabled", "not allowed")


@dataclass(frozen=True)
class Cause:
    """One likely cause: what it is, how to confirm it on the server, how to fix it."""

    id: str
    what: str
    confirm: str
    fix: str

    def step(self, user: str) -> Sentence:
        """The fix step for ``user``: the user name stays a value (pseudonymised by field)."""
        return say(f"{self.what}. Check on the server: {self.confirm}. Fix: {self.fix}", user=user)


_EFFECTIVE = "sshd -T -C user={user}"

CHROOT = Cause(
    "chroot_ownership",
    "ChrootDirectory with a wrong owner or mode: sshd refuses to enter the chroot after "
    "authentication unless every component of its path is owned by root and writable by nobody "
    "else (its log says 'bad ownership or modes for chroot directory')",
    f"{_EFFECTIVE} | grep -i chrootdirectory, then namei -l DIR on that directory: every line "
    "must show owner root and no 'w' in the group and other columns",
    "chown root:root DIR and chmod 755 DIR for the directory and each parent; give the user a "
    "writable folder inside it (mkdir DIR/upload; chown {user} DIR/upload), then try again",
)
COMMAND_MISSING = Cause(
    "command_missing",
    "ForceCommand (or the Subsystem line) runs a program that does not exist for this user; in a "
    "chroot the path is looked up inside the chroot, where an external sftp-server is usually "
    "missing (exit status 127 means 'command not found')",
    f"{_EFFECTIVE} | grep -iE '^(forcecommand|subsystem|chrootdirectory)', then ls -l on the "
    "program it names (under the chroot directory when one is set)",
    "ForceCommand internal-sftp (or the path of a program that exists), or Subsystem sftp "
    "internal-sftp, then reload sshd (systemctl reload ssh)",
)
NOLOGIN_SHELL = Cause(
    "nologin_shell",
    "The account's login shell is nologin or false and the sftp server is an external program, "
    "which sshd starts through the user's shell (internal-sftp does not use the shell)",
    f"getent passwd {{user}} (the last field is the shell) and {_EFFECTIVE} | grep -i subsystem",
    "Subsystem sftp internal-sftp in sshd_config (keeps the account without a shell), then "
    "reload sshd; or give the account a real shell (usermod -s /bin/sh {user})",
)
SESSION_SETUP = Cause(
    "session_setup",
    "Setting up the user's session failed on the server (a PAM session module, a missing home "
    "directory, a resource limit)",
    "the sshd log lines just before the disconnect",
    "whatever the log names (e.g. create the missing home directory, raise the limit)",
)

#: Always first: the server's log names the cause outright.
READ_THE_LOG = ("Read sshd's log on the server right after this attempt: journalctl -u ssh "
                "--since '-5 min' (or /var/log/auth.log, /var/log/secure); it names the cause.")


def likely_causes(obs: SubsystemObservation) -> tuple[Cause, ...]:
    """The causes that fit the observation, most likely first."""
    if obs.stage == "connection_closed":
        return (CHROOT, SESSION_SETUP)
    text = (obs.output + obs.stderr).decode("utf-8", errors="replace").lower()
    if any(marker in text for marker in _NOLOGIN_TEXT):
        return (NOLOGIN_SHELL, COMMAND_MISSING)
    if obs.exit_status == COMMAND_NOT_FOUND:
        return (COMMAND_MISSING, CHROOT)
    return (COMMAND_MISSING, NOLOGIN_SHELL, CHROOT)


def describe(obs: SubsystemObservation) -> Sentence:
    """One line saying what the client saw, for the finding's summary (server text as a value)."""
    if obs.stage == "connection_closed":
        return say("the server closed the connection right after a successful login")
    if obs.stage == "closed_before_reply":
        return say("the server closed the sftp session without answering the request")
    values: dict[str, object] = {}
    if obs.exit_status is not None:
        how, values["status"] = "exit status {status}", obs.exit_status
    elif obs.exit_signal:
        how, values["signal"] = "signal {signal}", obs.exit_signal
    else:
        how = "no exit status"
    text = (obs.output or obs.stderr).decode("utf-8", errors="replace").strip()
    if text:
        how += ", saying {text}"
        values["text"] = repr(text.splitlines()[0][:80])
    return say(f"the sftp session ended before SFTP started ({how})", **values)
