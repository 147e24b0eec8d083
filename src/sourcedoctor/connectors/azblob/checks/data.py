"""Layer 9 — sample: the shared sample layer, after the blobs layer (format follows it as is)."""

from __future__ import annotations

from ....checks.sample import SampleCheck


class AzblobSampleCheck(SampleCheck):
    """The shared sample layer over the heads the blobs layer read (ranged GETs)."""

    needs = ("blob.blobs",)
