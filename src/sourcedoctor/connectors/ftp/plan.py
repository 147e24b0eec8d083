"""The FTP diagnosis plan: which checks, in which order (the order a person reads them).

ftp://             settings → DNS → TCP → greeting → login → data channel → folder → listing →
                   files → sample → format
ftps://            … TCP → greeting (+ AUTH TLS) → TLS → login …
ftps+implicit://   … TCP → TLS → greeting (inside TLS) → login …
"""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...checks.dns import DnsCheck
from ...checks.sample import FormatCheck
from ...checks.tcp import TcpCheck
from ...checks.tls import TlsCheck
from ...targets import TargetProfile
from .checks.data import FtpSampleCheck
from .checks.data_channel import DataChannelCheck
from .checks.files import FilesCheck
from .checks.folder import FolderCheck
from .checks.greeting import GreetingCheck, ImplicitGreetingCheck
from .checks.listing import ListingCheck
from .checks.login import LoginCheck, TlsLoginCheck
from .checks.settings import FtpSettingsCheck
from .settings import FtpSettings


class ExplicitTlsCheck(TlsCheck):
    """The shared TLS layer on the control connection, after ``AUTH TLS`` was accepted."""

    needs = ("ftp.greeting",)


def build_plan(settings: FtpSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer from settings to data format for the URL's TLS mode."""
    head: list[Check[Any, Any]] = [
        FtpSettingsCheck(), DnsCheck(),
        TcpCheck(reset_code="ftp.no_greeting"),  # accepted, then thrown out before any greeting
    ]
    if settings.tls_mode == "none":
        middle: list[Check[Any, Any]] = [GreetingCheck(), LoginCheck()]
    elif settings.tls_mode == "explicit":
        middle = [GreetingCheck(), ExplicitTlsCheck(), TlsLoginCheck()]
    else:
        middle = [TlsCheck(), ImplicitGreetingCheck(), TlsLoginCheck()]
    return [*head, *middle, DataChannelCheck(), FolderCheck(), ListingCheck(), FilesCheck(),
            FtpSampleCheck(), FormatCheck()]
