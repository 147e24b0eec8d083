"""Layer 11 — sample: the shared sample layer over the heads the files layer read."""

from __future__ import annotations

from ....checks.sample import SampleCheck


class FtpSampleCheck(SampleCheck):
    """The shared sample layer, after the FTP files layer (format follows it as is)."""

    needs = ("ftp.files",)
