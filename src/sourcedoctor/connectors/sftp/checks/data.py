"""Layer 11 — sample: the shared sample layer, after the files layer (format follows it as is)."""

from __future__ import annotations

from ....checks.sample import SampleCheck


class SftpSampleCheck(SampleCheck):
    """The shared sample layer over the heads the files layer read (all files at once)."""

    needs = ("sftp.files",)
