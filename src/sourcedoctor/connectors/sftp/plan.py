"""The SFTP diagnosis plan: which checks, in which order (the order a person reads them)."""

from __future__ import annotations

from typing import Any

from ...checks.base import Check
from ...checks.dns import DnsCheck
from ...checks.sample import FormatCheck
from ...checks.tcp import TcpCheck
from ...targets import TargetProfile
from .checks.banner import BannerCheck
from .checks.data import SftpSampleCheck
from .checks.settings import SftpSettingsCheck
from .checks.sftp_files import FilesCheck
from .checks.sftp_folder import FolderCheck
from .checks.sftp_parallel import ParallelLoginsCheck
from .checks.sftp_session import SftpSessionCheck
from .checks.ssh_auth import AuthCheck
from .checks.ssh_compat import CompatCheck
from .checks.ssh_hostkey import HostKeyCheck
from .checks.ssh_key import KeyCheck
from .checks.ssh_transport import TransportCheck
from .settings import SftpSettings


def build_plan(settings: SftpSettings, target: TargetProfile) -> list[Check[Any, Any]]:
    """Every layer from settings to data format. The target changes how checks judge, and a
    target that reads in parallel chunks adds the parallel-logins layer."""
    return [
        SftpSettingsCheck(),
        KeyCheck(),
        DnsCheck(),
        TcpCheck(reset_code="ssh.closed_before_banner", service=("SFTP", 22)),
        BannerCheck(),
        TransportCheck(),
        CompatCheck(),
        HostKeyCheck(),
        AuthCheck(),
        SftpSessionCheck(),
        FolderCheck(),
        FilesCheck(parallel_probe=target.chunked_reads),
        # Needs only the login: its handshakes overlap the SFTP, folder and files layers.
        *([ParallelLoginsCheck()] if target.chunked_reads else []),
        SftpSampleCheck(),
        FormatCheck(),
    ]
