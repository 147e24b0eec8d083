"""The SFTP connector: plan of checks from DNS to the sampled bytes, sharing one SSH connection."""

from .plan import build_plan
from .state import SftpState

__all__ = ["SftpState", "build_plan"]
