"""The FTP diagnosis plan: which checks, in which order (the order a person reads them).

ftp://             settings → DNS → TCP → greeting → login → data channel → folder → listing →
                   files → sample → format
ftps://            … TCP → greeting (+ AUTH TLS) → TLS → login …
ftps+implicit://   … TCP → TLS → greeting (inside TLS) → login …
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...checks.base import Check, Context, Outcome
from ...checks.dns import DnsCheck
from ...checks.sample import FormatCheck
from ...checks.tcp import TcpCheck
from ...checks.tls import TlsCheck
from ...targets import TargetProfile
from .checks.data import FtpSampleCheck
from .checks.data_channel import DataChannelCheck
from .checks.files import FilesCheck
from .checks.folder import FolderCheck
from .checks.greeting import GreetingCheck, ImplicitGreetingCheck, judge_implicit_port
from .checks.listing import ListingCheck
from .checks.login import LoginCheck, TlsLoginCheck
from .checks.settings import FtpSettingsCheck
from .settings import FtpSettings


class ImplicitTlsCheck(TlsCheck):
    """The shared TLS layer from the first byte (ftps+implicit://). A failed handshake is judged
    by what the port says on its own: an FTP greeting or an SSH banner is named (see
    :func:`.checks.greeting.judge_implicit_port`) instead of an HTTPS endpoint's fix."""

    async def run(self, ctx: Context[Any, Any]) -> Outcome:
        outcome = await super().run(ctx)
        if not any(f.code == "tls.handshake_failed" for f in outcome.findings):
            return outcome
        named = await judge_implicit_port(ctx)
        if named is None:  # not FTP, not SSH: keep the TLS finding, with FTP's way out
            s = ctx.settings
            named = replace(next(f for f in outcome.findings if f.code == "tls.handshake_failed"),
                            fix=(f"Check that {s.host}:{s.port} is the server's implicit-FTPS port "
                                 "(usually 990); on a plain or explicit-FTPS port (usually 21) use "
                                 "ftps:// (explicit TLS).",
                                 f"Inspect: openssl s_client -connect {s.host}:{s.port}"))
        return Outcome.of([named], **outcome.facts)


class ExplicitTlsCheck(TlsCheck):
    """The shared TLS layer on the control connection, after ``AUTH TLS`` was accepted."""

    needs = ("ftp.greeting",)
    starttls = "ftp"


def build_plan(settings: FtpSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer from settings to data format for the URL's TLS mode."""
    head: list[Check[Any, Any]] = [
        FtpSettingsCheck(), DnsCheck(),
        # A reset as it is accepted: thrown out before any greeting.
        TcpCheck(reset_code="ftp.no_greeting", service=("FTP", 21)),
    ]
    if settings.tls_mode == "none":
        middle: list[Check[Any, Any]] = [GreetingCheck(), LoginCheck()]
    elif settings.tls_mode == "explicit":
        middle = [GreetingCheck(), ExplicitTlsCheck(), TlsLoginCheck()]
    else:
        middle = [ImplicitTlsCheck(), ImplicitGreetingCheck(), TlsLoginCheck()]
    return [*head, *middle, DataChannelCheck(), FolderCheck(), ListingCheck(), FilesCheck(),
            FtpSampleCheck(), FormatCheck()]
