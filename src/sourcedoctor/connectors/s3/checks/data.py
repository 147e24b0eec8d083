"""Layer 9 — sample: the shared sample layer, after the objects layer (format follows it as is)."""

from __future__ import annotations

from ....checks.sample import SampleCheck


class S3SampleCheck(SampleCheck):
    """The shared sample layer over the heads the objects layer read (ranged GETs)."""

    needs = ("s3.objects",)

