"""The shared DNS layer placed after the addressing layer (which decides the host name)."""

from __future__ import annotations

from ....checks.dns import DnsCheck


class S3DnsCheck(DnsCheck):
    """DNS for the request host; after addressing, so a missing virtual host is named once."""

    needs = ("s3.addressing",)
