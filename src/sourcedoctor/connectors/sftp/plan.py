"""The SFTP diagnosis plan: which checks, in which order (the order a person reads them)."""

from __future__ import annotations

from typing import Any

from ...checks.banner import BannerCheck
from ...checks.base import Check
from ...checks.dns import DnsCheck
from ...checks.sample import FormatCheck, SampleCheck
from ...checks.settings import SettingsCheck
from ...checks.sftp_files import FilesCheck
from ...checks.sftp_folder import FolderCheck
from ...checks.sftp_session import SftpSessionCheck
from ...checks.ssh_auth import AuthCheck
from ...checks.ssh_hostkey import HostKeyCheck
from ...checks.ssh_key import KeyCheck
from ...checks.ssh_transport import TransportCheck
from ...checks.tcp import TcpCheck
from ...config.sftp import SftpSettings
from ...targets import TargetProfile


def build_plan(settings: SftpSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer from settings to data format. The target only changes how checks judge."""
    return [
        SettingsCheck(),
        KeyCheck(),
        DnsCheck(),
        TcpCheck(),
        BannerCheck(),
        TransportCheck(),
        HostKeyCheck(),
        AuthCheck(),
        SftpSessionCheck(),
        FolderCheck(),
        FilesCheck(),
        SampleCheck(),
        FormatCheck(),
    ]
